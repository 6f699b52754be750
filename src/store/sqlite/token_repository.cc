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
  return Create(name, TokenScope::kAdmin, now_ms);
}

base::Result<AccessToken> SqliteTokenRepository::Create(const std::string& name, TokenScope scope,
                                                        int64_t now_ms) {
  if (name.size() > kMaxTokenNameLength) return base::InvalidArgument("token name too long");
  AccessToken token;
  token.id = base::RandomId("tok");
  token.name = name;
  token.scope = scope;
  token.secret = base::RandomUrlSafe(kSecretBytes);
  token.created_at_ms = now_ms;
  const std::string hash = HashSecret(token.secret, hash_iterations_);  // outside the lock
  SC_RETURN_IF_ERROR(db_.InTransaction(TransactionMode::kWrite, [&](Connection& c) -> base::Status {
    SC_ASSIGN_OR_RETURN(Statement s,
                        c.Prepare("INSERT INTO access_tokens (id, name, secret_hash, "
                                  "created_at_ms, scope) VALUES (?1, ?2, ?3, ?4, ?5)"));
    s.Bind(1, token.id)
        .Bind(2, token.name)
        .Bind(3, hash)
        .Bind(4, token.created_at_ms)
        .Bind(5, TokenScopeName(token.scope));
    return s.Run().WithContext("create access token");
  }));
  return token;
}

base::Result<std::optional<SqliteTokenRepository::StoredToken>> SqliteTokenRepository::Load(
    const std::string& id) {
  return db_.WithConnection([&](Connection& c) -> base::Result<std::optional<StoredToken>> {
    SC_ASSIGN_OR_RETURN(
        Statement s, c.Prepare("SELECT secret_hash, name, created_at_ms, scope FROM access_tokens "
                               "WHERE id = ?1"));
    s.Bind(1, id);
    SC_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<StoredToken>();
    StoredToken stored;
    stored.hash = s.Text(0);
    stored.token.id = id;
    stored.token.name = s.Text(1);
    stored.token.created_at_ms = s.Int(2);
    stored.token.scope = ParseTokenScope(s.Text(3)).value_or(TokenScope::kRead);
    return std::optional<StoredToken>(std::move(stored));
  });
}

base::Status SqliteTokenRepository::Verify(const std::string& id, const std::string& secret) {
  return Authenticate(id, secret).status();
}

base::Result<AccessToken> SqliteTokenRepository::Authenticate(const std::string& id,
                                                              const std::string& secret) {
  if (id.empty() || id.size() > kMaxPresentedLength || secret.size() > kMaxPresentedLength) {
    return Unauthenticated();
  }
  SC_ASSIGN_OR_RETURN(std::optional<StoredToken> stored, Load(id));
  // Hash even for an unknown id, so response time does not reveal which ids exist.
  SC_ASSIGN_OR_RETURN(bool match, VerifySecret(secret, stored ? stored->hash : decoy_hash_));
  if (!stored || !match) return Unauthenticated();
  return stored->token;
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
