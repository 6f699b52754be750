#pragma once
// Repository interfaces: the seam between the control plane (api/, session/) and storage.
// Implementations: store/sqlite (default, embedded); store/postgres later. All methods are
// thread-safe and synchronous; callers must not hold them on the media hot path for long.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/live_stream.h"

namespace steadycast::store {

struct Page {
  std::vector<LiveStream> items;
  std::optional<std::string> next_cursor;  // opaque; null at the end
};

class LiveStreamRepository {
 public:
  virtual ~LiveStreamRepository() = default;
  // Inserts `stream` (id, key and playback ids already generated). kAlreadyExists on a
  // duplicate id, key or playback id.
  virtual base::Status Create(const LiveStream& stream) = 0;
  virtual base::Result<LiveStream> Get(const std::string& id) = 0;  // kNotFound
  virtual base::Result<LiveStream> GetByStreamKey(const std::string& stream_key) = 0;
  virtual base::Result<LiveStream> GetByPlaybackId(const std::string& playback_id) = 0;
  // Newest first (created_at, then id, descending). `cursor` from a previous page or empty.
  // kInvalidArgument on a malformed cursor.
  virtual base::Result<Page> List(int limit, const std::string& cursor) = 0;
  // Replaces every mutable setting of the stream with the same id (stream key, passphrase,
  // settings, metadata, playback id set) and sets updated_at_ms from `stream`. Leaves
  // `status` and `created_at_ms` alone: status belongs to the session state machine and only
  // changes through SetStatus, so an API edit never overwrites a concurrent status change.
  // kNotFound when the id is unknown; kAlreadyExists when the key or a playback id is taken.
  virtual base::Status Update(const LiveStream& stream) = 0;
  virtual base::Status SetStatus(const std::string& id, StreamStatus status,
                                 int64_t updated_at_ms) = 0;
  virtual base::Status Delete(const std::string& id) = 0;  // kNotFound
};

struct AccessToken {
  std::string id;  // "tok_..."
  std::string name;
  std::string secret;  // only set when just created; never stored in clear
  int64_t created_at_ms = 0;
};

class TokenRepository {
 public:
  virtual ~TokenRepository() = default;
  // Generates id + secret, stores a salted hash of the secret, returns both in clear once.
  virtual base::Result<AccessToken> Create(const std::string& name, int64_t now_ms) = 0;
  // Constant-time comparison of the hash. kUnauthenticated when unknown or wrong.
  virtual base::Status Verify(const std::string& id, const std::string& secret) = 0;
  virtual base::Result<int64_t> Count() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual LiveStreamRepository& live_streams() = 0;
  virtual TokenRepository& tokens() = 0;
  // A cheap query proving the store answers (for /readyz).
  virtual base::Status Ping() = 0;
};

}  // namespace steadycast::store
