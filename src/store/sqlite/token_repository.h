#pragma once
// store::TokenRepository on SQLite: table access_tokens (migration 1). Secrets are never
// stored, only their PBKDF2 hash (secret_hash.h). Thread-safe through Database; the hashing
// runs outside the database lock so slow verification never blocks other store users.

#include <string>

#include "store/sqlite/database.h"
#include "store/store.h"

namespace steadycast::store::sqlite {

inline constexpr size_t kMaxTokenNameLength = 200;

class SqliteTokenRepository final : public TokenRepository {
 public:
  SqliteTokenRepository(Database& db, int hash_iterations);

  // Secret: base::RandomUrlSafe(32) (256 bits); id: "tok_..." (base::RandomId).
  base::Result<AccessToken> Create(const std::string& name, int64_t now_ms) override;
  base::Result<AccessToken> Create(const std::string& name, TokenScope scope,
                                   int64_t now_ms) override;
  base::Status Verify(const std::string& id, const std::string& secret) override;
  base::Result<AccessToken> Authenticate(const std::string& id, const std::string& secret) override;
  base::Result<int64_t> Count() override;

 private:
  struct StoredToken {
    std::string hash;
    AccessToken token;  // without secret
  };
  base::Result<std::optional<StoredToken>> Load(const std::string& id);

  Database& db_;
  int hash_iterations_;
  // Hash of a random secret, verified against when the id is unknown so that an unknown id
  // costs the same time as a wrong secret.
  std::string decoy_hash_;
};

}  // namespace steadycast::store::sqlite
