// The frames of the cenhub protocol (docs/PROTOCOL.md states them all). Every
// frame is one msgpack map with string keys and a string "t" naming its type;
// receivers keep keys they do not know. Frames are handled in memory as
// nlohmann::json objects.
//
//   std::string bytes = WireFrame::Encode({{"t", "FETCH"}, {"from", 10}, {"max", 500}});
//   auto frame = WireFrame::Decode(bytes);          // checks the map and "t"
//   auto from = WireFrame::GetInt(*frame, "from");  // names the key on error
//
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/msgpack_map.h"
#include "common/status.h"

namespace cen::common {

namespace frame {
inline constexpr int kProtocolVersion = 1;
// Frames that carry records (PUBLISH, RECORDS, BATCH) stop taking records
// past this many record bytes (a bigger record goes alone), far below the
// peers' ZMQ_MAXMSGSIZE.
inline constexpr size_t kMaxRecordBytesPerFrame = 4 << 20;
// ingest, node -> hub
inline constexpr std::string_view kHello = "HELLO";
inline constexpr std::string_view kPublish = "PUBLISH";
inline constexpr std::string_view kFetch = "FETCH";
inline constexpr std::string_view kPing = "PING";
// ingest, hub -> node
inline constexpr std::string_view kWelcome = "WELCOME";
inline constexpr std::string_view kAck = "ACK";
inline constexpr std::string_view kRecords = "RECORDS";
inline constexpr std::string_view kUpto = "UPTO";
inline constexpr std::string_view kPong = "PONG";
inline constexpr std::string_view kError = "ERROR";
// feed, hub -> node, behind a topic frame "N:<node id>"
// BATCH covers gseqs first..last and carries the records among them that the
// node may see; the others are not for it.
inline constexpr std::string_view kBatch = "BATCH";
inline constexpr std::string_view kHead = "HEAD";
// feed, hub -> node, behind a topic frame "P:<node id>/" on a second SUB
// connection: the urgent and high alerts of a commit that the node may see,
// sent before the commit's BATCH, so they overtake the feed's backlog. They
// come again in the BATCH, in gseq order.
inline constexpr std::string_view kPriority = "PRIORITY";
// FETCH's "lane": "priority" asks for the priority lanes only.
inline constexpr std::string_view kPriorityLane = "priority";
}  // namespace frame

class WireFrame {
 public:
  // The feed topic of a node: "N:<id>/". ZeroMQ matches topics by prefix; the
  // terminator keeps "N:RILO-A/" from matching "N:RILO-AP/" (ids never hold '/').
  static std::string FeedTopic(std::string_view node_id);
  // The node's priority feed topic: "P:<id>/".
  static std::string PriorityTopic(std::string_view node_id);

  static std::string Encode(const nlohmann::json& frame);
  // A BATCH feed frame covering gseqs first..last around records already
  // encoded as msgpack (the hub stores records encoded, so fan-out does not
  // re-encode them).
  static std::string EncodeBatch(std::string_view epoch, int64_t first, int64_t last,
                                 const std::vector<std::string_view>& record_msgpacks);
  // A PRIORITY feed frame {t, epoch, records} around encoded records.
  static std::string EncodePriority(std::string_view epoch,
                                    const std::vector<std::string_view>& record_msgpacks);
  // A frame {t: type, records: [...]} around records already encoded as
  // msgpack: RECORDS (hub -> node) and PUBLISH (node -> hub).
  // `request_id` >= 0 adds "id" (RECORDS echo the id of their FETCH).
  static std::string EncodeRecords(std::string_view type,
                                   const std::vector<std::string>& record_msgpacks,
                                   int64_t request_id = -1);
  // One entry of an ACK (docs/PROTOCOL.md, ACK). Views: what they name must
  // outlive EncodeAck; the audience (alerts only) is held.
  struct AckEntry {
    std::string_view uuid;
    int64_t version = 0;
    std::string_view status;                           // NEW, DUP or REJECTED
    std::optional<int64_t> gseq;                       // NEW and DUP
    std::optional<std::string_view> reason;            // REJECTED
    std::optional<std::vector<std::string>> audience;  // an original alert's
    std::optional<std::string_view> warning;           // NEW: what the origin should know
  };
  // An ACK {acks, t} packed directly, byte for byte what Encode() makes of
  // the same frame as JSON (keys in ascending order): the hub answers every
  // PUBLISH with one, and a JSON tree per record cost it about 8 % of its CPU.
  static std::string EncodeAck(const std::vector<AckEntry>& acks);
  // A PUBLISH {t, lane?, records} around encoded records. `bulk_only`: none
  // of them is an urgent or high alert, and the frame says so with
  // "lane": "bulk" right after "t", so the hub queues it without reading
  // its records (CarriesPriority).
  static std::string EncodePublish(const std::vector<std::string>& record_msgpacks, bool bulk_only);
  // Decodes and checks that the frame is a map with a string "t".
  static Result<nlohmann::json> Decode(std::string_view bytes);
  // The same checks, the frame read in place (no JSON tree).
  static Result<MsgpackMap> DecodeInPlace(std::string_view bytes);
  static std::string Type(const nlohmann::json& frame);

  // Typed reads that name the missing or mistyped key.
  static Result<int64_t> GetInt(const nlohmann::json& frame, std::string_view key);
  static Result<std::string> GetString(const nlohmann::json& frame, std::string_view key);
  // Reads that never throw: `fallback` when the key is missing or holds
  // another type. For optional keys of frames and records from a peer.
  static int64_t IntOr(const nlohmann::json& object, std::string_view key, int64_t fallback);
  static std::string StringOr(const nlohmann::json& object, std::string_view key,
                              std::string_view fallback);

  // True when `bytes` is a PUBLISH frame holding at least one urgent or high
  // alert (common::PriorityLane), judged from a msgpack parse without a JSON
  // tree; false for anything else, malformed bytes included. Never throws.
  // A frame whose top-level "lane" is "bulk", before any array or map value,
  // is taken at its word and its records are not read: the hub classifies
  // the agent's bulk frames without parsing them, and a sender can only
  // lose priority by the claim.
  static bool CarriesPriority(std::string_view bytes);
  // The top-level "lane" of a frame, when it comes before any array or map
  // value; "" otherwise. Reads only that far.
  static std::string_view DeclaredLane(std::string_view bytes);
  // The top-level "t" of a frame, read the same way: "" when it comes after
  // an array or map value (or is no string).
  static std::string_view DeclaredType(std::string_view bytes);

  // Moves the array out of `frame` (records are large; a copy would cost as
  // much as decoding them).
  static Result<nlohmann::json> TakeArray(nlohmann::json& frame, std::string_view key);

 private:
  static std::string_view DeclaredKey(std::string_view bytes, std::string_view key);
  // {t, epoch, [first, last,] records} around encoded records (BATCH, PRIORITY).
  static std::string EncodeFeed(std::string_view type, std::string_view epoch,
                                std::optional<std::pair<int64_t, int64_t>> range,
                                const std::vector<std::string_view>& record_msgpacks);
};

}  // namespace cen::common
