#pragma once
// Status and Result<T>: errors as values with a code, a message and context added on the
// way up (docs/style.md "Errors"). Used everywhere on the media and control paths instead of
// exceptions. Not thread-safe per object; cheap to move.

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace steadycast::base {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // malformed input from a peer or a user
  kOutOfRange,       // a value beyond a configured limit
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,   // a size or rate limit was hit
  kFailedPrecondition,  // valid input at the wrong time (protocol state)
  kUnavailable,         // transient: try again later
  kUnimplemented,       // valid but not supported (e.g. a codec we do not carry)
  kDataLoss,
  kInternal,
};

std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  // The message including every context prefix, outermost first: "rtmp: chunk: size too big".
  const std::string& message() const { return message_; }

  // Prepends "context: " to the message. No-op on OK.
  Status WithContext(std::string_view context) const&;
  Status WithContext(std::string_view context) &&;

  // "INVALID_ARGUMENT: message"
  std::string ToString() const;

  // Explicitly drops the status (for call sites where failure is acceptable).
  void IgnoreError() const {}

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status Error(ErrorCode code, std::string message) {
  return Status(code, std::move(message));
}
inline Status InvalidArgument(std::string m) {
  return Status(ErrorCode::kInvalidArgument, std::move(m));
}
inline Status OutOfRange(std::string m) { return Status(ErrorCode::kOutOfRange, std::move(m)); }
inline Status NotFound(std::string m) { return Status(ErrorCode::kNotFound, std::move(m)); }
inline Status ResourceExhausted(std::string m) {
  return Status(ErrorCode::kResourceExhausted, std::move(m));
}
inline Status FailedPrecondition(std::string m) {
  return Status(ErrorCode::kFailedPrecondition, std::move(m));
}
inline Status Unimplemented(std::string m) {
  return Status(ErrorCode::kUnimplemented, std::move(m));
}
inline Status Internal(std::string m) { return Status(ErrorCode::kInternal, std::move(m)); }
inline Status Unavailable(std::string m) { return Status(ErrorCode::kUnavailable, std::move(m)); }

// Result<T>: either a T or a non-OK Status (a small in-house `expected`).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit
    assert(!std::get<1>(state_).ok() && "Result constructed from an OK status");
  }

  bool ok() const { return state_.index() == 0; }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(state_);
  }
  Status status() && { return ok() ? Status() : std::get<1>(std::move(state_)); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

  Result WithContext(std::string_view context) && {
    if (ok()) return std::move(*this);
    return Result(std::get<1>(std::move(state_)).WithContext(context));
  }

 private:
  std::variant<T, Status> state_;
};

}  // namespace steadycast::base

#define SC_STATUS_CONCAT_INNER(a, b) a##b
#define SC_STATUS_CONCAT(a, b) SC_STATUS_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define SC_RETURN_IF_ERROR(expr)                        \
  do {                                                  \
    ::steadycast::base::Status sc_status_tmp_ = (expr); \
    if (!sc_status_tmp_.ok()) return sc_status_tmp_;    \
  } while (0)

// `SC_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a Result or returns its status.
#define SC_ASSIGN_OR_RETURN(lhs, expr) \
  SC_ASSIGN_OR_RETURN_IMPL(SC_STATUS_CONCAT(sc_result_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration, `tmp` a generated name.
#define SC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
