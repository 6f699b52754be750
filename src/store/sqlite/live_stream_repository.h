#pragma once
// store::LiveStreamRepository on SQLite: tables live_streams and playback_ids (migration 1).
// Thread-safe through Database; holds a reference to it (owned by SqliteStore).

#include <string>
#include <vector>

#include "store/sqlite/database.h"
#include "store/store.h"

namespace steadycast::store::sqlite {

inline constexpr int kMaxListLimit = 1000;

class SqliteLiveStreamRepository final : public LiveStreamRepository {
 public:
  explicit SqliteLiveStreamRepository(Database& db) : db_(db) {}

  base::Status Create(const LiveStream& stream) override;
  base::Result<LiveStream> Get(const std::string& id) override;
  base::Result<LiveStream> GetByStreamKey(const std::string& stream_key) override;
  base::Result<LiveStream> GetByPlaybackId(const std::string& playback_id) override;
  // `limit` 1..kMaxListLimit, else kInvalidArgument.
  base::Result<Page> List(int limit, const std::string& cursor) override;
  base::Status Update(const LiveStream& stream) override;
  base::Status SetStatus(const std::string& id, StreamStatus status,
                         int64_t updated_at_ms) override;
  base::Status Delete(const std::string& id) override;
  base::Status CreateWithEvents(const LiveStream& stream,
                                const std::vector<NewEvent>& events) override;
  base::Result<LiveStream> Mutate(const std::string& id, const StreamMutation& mutate) override;
  base::Result<LiveStream> DeleteWithEvents(const std::string& id,
                                            const DeletionEvents& events) override;
  base::Result<std::vector<LiveStream>> ListByStatus(
      const std::vector<StreamStatus>& statuses) override;

 private:
  Database& db_;
};

}  // namespace steadycast::store::sqlite
