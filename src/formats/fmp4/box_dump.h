#pragma once
// A stable, human-readable text dump of an ISO BMFF byte sequence, for golden tests and
// debugging: one line per box, indented by depth, with the decoded fields of the boxes this
// packager writes (ftyp, mvhd, tkhd, mdhd, hdlr, avcC, esds, trex, mfhd, tfhd, tfdt, trun, ...):
//
//   moof size=412
//     mfhd seq=1
//     traf size=...
//       tfhd track=1 flags=0x020000
//
// Malformed leaf payloads are shown as "<malformed>" rather than failing, so the fuzzer can
// drive the field decoders with arbitrary bytes. Pure function; thread-safe.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"
#include "formats/fmp4/box_reader.h"

namespace steadycast::formats::fmp4 {

struct DumpOptions {
  size_t max_samples_per_trun = 64;  // trun sample lines beyond this are summarised
  BoxReaderLimits limits;
};

// Fails only when the box structure itself cannot be parsed (see ReadBoxes).
base::Result<std::string> DumpBoxes(std::span<const uint8_t> data, const DumpOptions& options = {});

}  // namespace steadycast::formats::fmp4
