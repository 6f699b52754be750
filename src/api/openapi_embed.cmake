# cmake -DINPUT=openapi.json -DOUTPUT=openapi_document.cc -P openapi_embed.cmake
# Writes a C++ file that defines steadycast::api::OpenApiDocument() returning INPUT's text as
# a raw string literal, so the document is part of the binary (no run-time file lookup).
file(READ "${INPUT}" text)
set(delimiter "openapi_json")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )${delimiter}\"")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from openapi.json by openapi_embed.cmake. Do not edit.\n"
  "#include <string_view>\n\n"
  "#include \"api/openapi.h\"\n\n"
  "namespace steadycast::api {\n\n"
  "std::string_view OpenApiDocument() {\n"
  "  static constexpr char kText[] = R\"${delimiter}(${text})${delimiter}\";\n"
  "  return {kText, sizeof(kText) - 1};\n"
  "}\n\n"
  "}  // namespace steadycast::api\n")
# Only touch OUTPUT when it changed, so an unchanged document does not recompile anything.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
