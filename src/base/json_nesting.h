#pragma once
// How deeply a JSON text nests its arrays and objects, found by a linear scan of the bytes
// (brackets outside string literals; escapes inside strings skipped). Parsers of untrusted JSON
// check it before handing the text to nlohmann::json, so hostile input never builds a deep
// tree (nlohmann destroys values recursively). The text need not be valid JSON: the answer is
// then only an upper bound of what a parser would accept. Pure; thread-safe.

#include <string_view>

namespace steadycast::base {

// The deepest nesting of '[' / '{' outside strings: "1" → 0, "[]" → 1, "{\"a\":[1]}" → 2.
int JsonNestingDepth(std::string_view text);

}  // namespace steadycast::base
