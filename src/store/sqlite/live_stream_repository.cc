#include "store/sqlite/live_stream_repository.h"

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "store/sqlite/cursor.h"
#include "store/sqlite/event_repository.h"

namespace steadycast::store::sqlite {
namespace {

// Column order shared by every SELECT and ReadRow. A macro so the statements below stay
// compile-time literals (the connection caches prepared statements by their text).
#define SC_LIVE_STREAM_COLUMNS                                                            \
  "id, status, stream_key, srt_passphrase, reconnect_window, latency_mode, ladder_json, " \
  "slate, takeover, metadata_json, created_at_ms, updated_at_ms, srt_latency_ms"

constexpr std::string_view kSelectById =
    "SELECT " SC_LIVE_STREAM_COLUMNS " FROM live_streams WHERE id = ?1";
constexpr std::string_view kSelectByKey =
    "SELECT " SC_LIVE_STREAM_COLUMNS " FROM live_streams WHERE stream_key = ?1";
constexpr std::string_view kSelectByPlaybackId =
    "SELECT " SC_LIVE_STREAM_COLUMNS
    " FROM live_streams WHERE id = (SELECT live_stream_id FROM playback_ids WHERE id = ?1)";
constexpr std::string_view kListByStatus =
    "SELECT " SC_LIVE_STREAM_COLUMNS " FROM live_streams WHERE status = ?1";
constexpr std::string_view kListFirst = "SELECT " SC_LIVE_STREAM_COLUMNS
                                        " FROM live_streams ORDER BY created_at_ms DESC, id DESC "
                                        "LIMIT ?1";
// Row-value comparison walks the (created_at_ms DESC, id DESC) index from the cursor on.
constexpr std::string_view kListAfter = "SELECT " SC_LIVE_STREAM_COLUMNS
                                        " FROM live_streams WHERE (created_at_ms, id) < (?1, ?2) "
                                        "ORDER BY created_at_ms DESC, id DESC LIMIT ?3";
#undef SC_LIVE_STREAM_COLUMNS

constexpr std::string_view kInsert =
    "INSERT INTO live_streams (id, status, stream_key, srt_passphrase, reconnect_window, "
    "latency_mode, ladder_json, slate, takeover, metadata_json, created_at_ms, updated_at_ms, "
    "srt_latency_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr std::string_view kUpdate =
    "UPDATE live_streams SET stream_key = ?3, srt_passphrase = ?4, "
    "reconnect_window = ?5, latency_mode = ?6, ladder_json = ?7, slate = ?8, takeover = ?9, "
    "metadata_json = ?10, updated_at_ms = ?12, srt_latency_ms = ?13 WHERE id = ?1";
constexpr std::string_view kUpdateWithStatus =
    "UPDATE live_streams SET status = ?2, stream_key = ?3, srt_passphrase = ?4, "
    "reconnect_window = ?5, latency_mode = ?6, ladder_json = ?7, slate = ?8, takeover = ?9, "
    "metadata_json = ?10, updated_at_ms = ?12, srt_latency_ms = ?13 WHERE id = ?1";
constexpr std::string_view kSelectPlaybackIds =
    "SELECT id, policy FROM playback_ids WHERE live_stream_id = ?1 ORDER BY position, id";
constexpr std::string_view kUpsertPlaybackId =
    "INSERT INTO playback_ids (id, live_stream_id, policy, position) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (id) DO UPDATE SET policy = excluded.policy, position = excluded.position "
    "WHERE live_stream_id = excluded.live_stream_id";
constexpr std::string_view kDeletePlaybackId = "DELETE FROM playback_ids WHERE id = ?1";

// Binds every column of the INSERT/UPDATE statements (?1..?13; UPDATE ignores ?2 and ?11).
void BindStream(Statement& s, const LiveStream& stream) {
  s.Bind(1, stream.id)
      .Bind(2, StreamStatusName(stream.status))
      .Bind(3, stream.stream_key)
      .BindNullable(4, stream.srt_passphrase)
      .Bind(5, static_cast<int64_t>(stream.reconnect_window))
      .Bind(6, stream.latency_mode)
      .Bind(7, stream.ladder_json)
      .Bind(8, static_cast<int64_t>(stream.slate ? 1 : 0))
      .Bind(9, stream.takeover)
      .Bind(10, stream.metadata_json)
      .Bind(11, stream.created_at_ms)
      .Bind(12, stream.updated_at_ms)
      .Bind(13, static_cast<int64_t>(stream.srt_latency_ms));
}

base::Result<LiveStream> ReadRow(const Statement& s) {
  LiveStream stream;
  stream.id = s.Text(0);
  auto status = ParseStreamStatus(s.Text(1));
  if (!status) {
    return base::Error(base::ErrorCode::kDataLoss, "live stream " + stream.id + ": bad status");
  }
  stream.status = *status;
  stream.stream_key = s.Text(2);
  stream.srt_passphrase = s.OptionalText(3);
  stream.reconnect_window = static_cast<int>(s.Int(4));
  stream.latency_mode = s.Text(5);
  stream.ladder_json = s.Text(6);
  stream.slate = s.Int(7) != 0;
  stream.takeover = s.Text(8);
  stream.metadata_json = s.Text(9);
  stream.created_at_ms = s.Int(10);
  stream.updated_at_ms = s.Int(11);
  stream.srt_latency_ms = static_cast<int>(s.Int(12));
  return stream;
}

base::Status LoadPlaybackIds(Connection& c, LiveStream& stream) {
  SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kSelectPlaybackIds));
  s.Bind(1, stream.id);
  stream.playback_ids.clear();
  while (true) {
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return base::Status::Ok();
    stream.playback_ids.push_back(PlaybackId{s.Text(0), s.Text(1)});
  }
}

// Runs a single-row SELECT bound to `value` and loads the playback ids.
base::Result<LiveStream> LoadOne(Connection& c, std::string_view sql, const std::string& value,
                                 std::string_view what) {
  LiveStream stream;
  {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
    s.Bind(1, value);
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return base::NotFound(fmt::format("live stream not found (by {})", what));
    SC_ASSIGN_OR_RETURN(stream, ReadRow(s));
  }
  SC_RETURN_IF_ERROR(LoadPlaybackIds(c, stream));
  return stream;
}

base::Result<LiveStream> GetOne(Database& db, std::string_view sql, const std::string& value,
                                std::string_view what) {
  return db.InTransaction(TransactionMode::kRead, [&](Connection& c) -> base::Result<LiveStream> {
    return LoadOne(c, sql, value, what);
  });
}

// Makes the stored playback ids of `stream` exactly `stream.playback_ids`, in order. Upserts
// rather than delete-all/insert so rows that stay keep their identity (and, later, anything
// that references them).
base::Status SyncPlaybackIds(Connection& c, const LiveStream& stream) {
  std::set<std::string> wanted;
  for (size_t i = 0; i < stream.playback_ids.size(); ++i) {
    const PlaybackId& pb = stream.playback_ids[i];
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpsertPlaybackId));
    s.Bind(1, pb.id).Bind(2, stream.id).Bind(3, pb.policy).Bind(4, static_cast<int64_t>(i));
    SC_RETURN_IF_ERROR(s.Run().WithContext("playback id " + pb.id));
    // The upsert's WHERE skips ids owned by another stream: report that as the conflict it is.
    if (c.Changes() == 0) {
      return base::Error(base::ErrorCode::kAlreadyExists,
                         "playback id " + pb.id + " belongs to another live stream");
    }
    wanted.insert(pb.id);
  }
  LiveStream existing;
  existing.id = stream.id;
  SC_RETURN_IF_ERROR(LoadPlaybackIds(c, existing));
  for (const PlaybackId& pb : existing.playback_ids) {
    if (wanted.count(pb.id) != 0) continue;
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDeletePlaybackId));
    s.Bind(1, pb.id);
    SC_RETURN_IF_ERROR(s.Run());
  }
  return base::Status::Ok();
}

}  // namespace

base::Status SqliteLiveStreamRepository::Create(const LiveStream& stream) {
  return CreateWithEvents(stream, {});
}

base::Status SqliteLiveStreamRepository::CreateWithEvents(const LiveStream& stream,
                                                          const std::vector<NewEvent>& events) {
  return db_
      .InTransaction(TransactionMode::kWrite,
                     [&](Connection& c) -> base::Status {
                       {
                         SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kInsert));
                         BindStream(s, stream);
                         SC_RETURN_IF_ERROR(s.Run());
                       }
                       SC_RETURN_IF_ERROR(SyncPlaybackIds(c, stream));
                       return AppendEvents(c, events);
                     })
      .WithContext("create live stream " + stream.id);
}

base::Result<LiveStream> SqliteLiveStreamRepository::Mutate(const std::string& id,
                                                            const StreamMutation& mutate) {
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Result<LiveStream> {
    SC_ASSIGN_OR_RETURN(LiveStream stream, LoadOne(c, kSelectById, id, "id"));
    const std::string original_id = stream.id;
    const int64_t created_at_ms = stream.created_at_ms;
    SC_ASSIGN_OR_RETURN(std::vector<NewEvent> events, mutate(stream));
    stream.id = original_id;
    stream.created_at_ms = created_at_ms;
    {
      SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpdateWithStatus));
      BindStream(s, stream);
      SC_RETURN_IF_ERROR(s.Run().WithContext("update live stream " + id));
    }
    SC_RETURN_IF_ERROR(SyncPlaybackIds(c, stream).WithContext("update live stream " + id));
    SC_RETURN_IF_ERROR(AppendEvents(c, events));
    return stream;
  });
}

base::Result<LiveStream> SqliteLiveStreamRepository::DeleteWithEvents(
    const std::string& id, const DeletionEvents& events) {
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Result<LiveStream> {
    SC_ASSIGN_OR_RETURN(LiveStream before, LoadOne(c, kSelectById, id, "id"));
    {
      SC_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM live_streams WHERE id = ?1"));
      s.Bind(1, id);
      SC_RETURN_IF_ERROR(s.Run());
    }
    if (events) SC_RETURN_IF_ERROR(AppendEvents(c, events(before)));
    return before;
  });
}

base::Result<std::vector<LiveStream>> SqliteLiveStreamRepository::ListByStatus(
    const std::vector<StreamStatus>& statuses) {
  return db_.InTransaction(TransactionMode::kRead,
                           [&](Connection& c) -> base::Result<std::vector<LiveStream>> {
                             std::vector<LiveStream> out;
                             for (StreamStatus status : statuses) {
                               SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kListByStatus));
                               s.Bind(1, StreamStatusName(status));
                               while (true) {
                                 SC_ASSIGN_OR_RETURN(bool row, s.Step());
                                 if (!row) break;
                                 SC_ASSIGN_OR_RETURN(LiveStream stream, ReadRow(s));
                                 out.push_back(std::move(stream));
                               }
                             }
                             for (LiveStream& stream : out)
                               SC_RETURN_IF_ERROR(LoadPlaybackIds(c, stream));
                             return out;
                           });
}

base::Result<LiveStream> SqliteLiveStreamRepository::Get(const std::string& id) {
  return GetOne(db_, kSelectById, id, "id");
}

base::Result<LiveStream> SqliteLiveStreamRepository::GetByStreamKey(const std::string& stream_key) {
  return GetOne(db_, kSelectByKey, stream_key, "stream key");
}

base::Result<LiveStream> SqliteLiveStreamRepository::GetByPlaybackId(
    const std::string& playback_id) {
  return GetOne(db_, kSelectByPlaybackId, playback_id, "playback id");
}

base::Result<Page> SqliteLiveStreamRepository::List(int limit, const std::string& cursor) {
  if (limit < 1 || limit > kMaxListLimit) {
    return base::InvalidArgument(fmt::format("limit must be 1..{}", kMaxListLimit));
  }
  std::optional<CursorPosition> after;
  if (!cursor.empty()) {
    SC_ASSIGN_OR_RETURN(CursorPosition position, DecodeCursor(cursor));
    after = std::move(position);
  }
  return db_.InTransaction(TransactionMode::kRead, [&](Connection& c) -> base::Result<Page> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(after ? kListAfter : kListFirst));
    // One extra row tells whether another page exists without a COUNT.
    if (after) {
      s.Bind(1, after->created_at_ms).Bind(2, after->id).Bind(3, int64_t{limit} + 1);
    } else {
      s.Bind(1, int64_t{limit} + 1);
    }
    Page page;
    bool more = false;
    while (true) {
      SC_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == limit) {
        more = true;
        break;
      }
      SC_ASSIGN_OR_RETURN(LiveStream stream, ReadRow(s));
      page.items.push_back(std::move(stream));
    }
    for (LiveStream& stream : page.items) SC_RETURN_IF_ERROR(LoadPlaybackIds(c, stream));
    if (more) {
      const LiveStream& last = page.items.back();
      page.next_cursor = EncodeCursor({last.created_at_ms, last.id});
    }
    return page;
  });
}

base::Status SqliteLiveStreamRepository::Update(const LiveStream& stream) {
  return db_
      .InTransaction(TransactionMode::kWrite,
                     [&](Connection& c) -> base::Status {
                       SC_ASSIGN_OR_RETURN(Statement s, c.Prepare(kUpdate));
                       BindStream(s, stream);
                       SC_RETURN_IF_ERROR(s.Run());
                       if (c.Changes() == 0) return base::NotFound("live stream not found");
                       return SyncPlaybackIds(c, stream);
                     })
      .WithContext("update live stream " + stream.id);
}

base::Status SqliteLiveStreamRepository::SetStatus(const std::string& id, StreamStatus status,
                                                   int64_t updated_at_ms) {
  // A status change with events goes through Mutate (the outbox INSERT in the same transaction).
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Status {
    SC_ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("UPDATE live_streams SET status = ?2, updated_at_ms = ?3 WHERE id = ?1"));
    s.Bind(1, id).Bind(2, StreamStatusName(status)).Bind(3, updated_at_ms);
    SC_RETURN_IF_ERROR(s.Run());
    if (c.Changes() == 0) return base::NotFound("live stream not found");
    return base::Status::Ok();
  });
}

base::Status SqliteLiveStreamRepository::Delete(const std::string& id) {
  return db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Status {
    // playback_ids rows go with it (ON DELETE CASCADE).
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM live_streams WHERE id = ?1"));
    s.Bind(1, id);
    SC_RETURN_IF_ERROR(s.Run());
    if (c.Changes() == 0) return base::NotFound("live stream not found");
    return base::Status::Ok();
  });
}

}  // namespace steadycast::store::sqlite
