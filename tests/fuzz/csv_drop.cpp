// Fuzz target: the CSV drop parser (CsvRecordReader over an in-memory
// buffer) and the validation `cen-node drop` runs on each row.
#include <sstream>
#include <string>

#include "node/drops/csv_record_reader.h"
#include "tests/fuzz/drop_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  cen::node::CsvRecordReader reader(in);
  FuzzDropReader(reader);
  return 0;
}
