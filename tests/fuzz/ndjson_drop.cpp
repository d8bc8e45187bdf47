// Fuzz target: the NDJSON drop parser (NdjsonRecordReader over an in-memory
// buffer, also what `cen-node submit` reads) and the validation of each line.
#include <sstream>
#include <string>

#include "node/drops/ndjson_record_reader.h"
#include "tests/fuzz/drop_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  cen::node::NdjsonRecordReader reader(in);
  FuzzDropReader(reader);
  return 0;
}
