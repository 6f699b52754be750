#include "store/sqlite/token_repository.h"

#include <optional>
#include <string>

#include "base/random.h"
#include "store/sqlite/secret_hash.h"

namespace steadycast::store::sqlite {
namespace {

constexpr size_t kSecretBytes = 32;          // 256 bits → 43 base64url characters
constexpr size_t kMaxPresentedLength = 256;  // longer ids/secrets are not ours: no hashing

base::Status Unauthenticated() {
  // One message for unknown id and wrong secret: callers must not learn which it was.
  return base::Error(base::ErrorCode::kUnauthenticated, "invalid access token");
}

}  // namespace

SqliteTokenRepository::SqliteTokenRepository(Database& db, int hash_iterations)
    : db_(db),
      hash_iterations_(hash_iterations),
      decoy_hash_(HashSecret(base::RandomUrlSafe(kSecretBytes), hash_iterations)) {}

base::Result<AccessToken> SqliteTokenRepository::Create(const std::string& name, int64_t now_ms) {
  if (name.size() > kMaxTokenNameLength) return base::InvalidArgument("token name too long");
  AccessToken token;
  token.id = base::RandomId("tok");
  token.name = name;
  token.secret = base::RandomUrlSafe(kSecretBytes);
  token.created_at_ms = now_ms;
  const std::string hash = HashSecret(token.secret, hash_iterations_);  // outside the lock
  SC_RETURN_IF_ERROR(db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Status {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare("INSERT INTO access_tokens (id, name, secret_hash, "
                                               "created_at_ms) VALUES (?1, ?2, ?3, ?4)"));
    s.Bind(1, token.id).Bind(2, token.name).Bind(3, hash).Bind(4, token.created_at_ms);
    return s.Run().WithContext("create access token");
  }));
  return token;
}

base::Result<std::optional<std::string>> SqliteTokenRepository::LoadHash(const std::string& id) {
  return db_.WithConnection([&](Connection& c) -> base::Result<std::optional<std::string>> {
    SC_ASSIGN_OR_RETURN(Statement s,
                        c.Prepare("SELECT secret_hash FROM access_tokens WHERE id = ?1"));
    s.Bind(1, id);
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(s.Text(0));
  });
}

base::Status SqliteTokenRepository::Verify(const std::string& id, const std::string& secret) {
  if (id.empty() || id.size() > kMaxPresentedLength || secret.size() > kMaxPresentedLength) {
    return Unauthenticated();
  }
  SC_ASSIGN_OR_RETURN(std::optional<std::string> stored, LoadHash(id));
  // Hash even for an unknown id, so response time does not reveal which ids exist.
  SC_ASSIGN_OR_RETURN(bool match, VerifySecret(secret, stored ? *stored : decoy_hash_));
  if (!stored || !match) return Unauthenticated();
  return base::Status::Ok();
}

base::Result<int64_t> SqliteTokenRepository::Count() {
  return db_.WithConnection([](Connection& c) -> base::Result<int64_t> {
    SC_ASSIGN_OR_RETURN(Statement s, c.Prepare("SELECT COUNT(*) FROM access_tokens"));
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return base::Internal("count tokens: no row");
    return s.Int(0);
  });
}

}  // namespace steadycast::store::sqlite
