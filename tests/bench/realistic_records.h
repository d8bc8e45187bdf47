#pragma once
// Realistic seizure and alert records for the benchmarks: skewed commodities
// and countries (Zipf), real HS subheadings, routes with transit countries,
// dates over twelve years, and free text in English, French, Spanish, German,
// Portuguese, Russian and Chinese of varied length (about 675 bytes of JSON
// on average). No two records are alike.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace cen::bench {

// Picks index i with probability proportional to 1/(i+1)^s.
class Zipf {
 public:
  Zipf(size_t n, double s);
  size_t operator()(std::mt19937_64& rng);

 private:
  std::vector<double> cumulative_;
};

class RealisticRecords {
 public:
  explicit RealisticRecords(uint64_t seed);

  // A record as a node hands it in (no uuid, origin, gseq, received_at),
  // with `ref` made unique by `prefix` and `i`. About 5% are alerts.
  nlohmann::json Submitted(const std::string& prefix, int64_t i);

  // The same as the hub delivers it: uuid, version 1, an origin among twelve
  // offices, `gseq` and received_at added.
  nlohmann::json Delivered(int64_t gseq);

  // Every HS code the generator uses is a real subheading (checked by the
  // query bench against the code list).
  static std::vector<std::string> HsCodes();

 private:
  std::mt19937_64 rng_;
  Zipf countries_;
  Zipf languages_;
};

}  // namespace cen::bench
