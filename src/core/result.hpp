#pragma once
// Result<T>: the value of an operation that can fail on untrusted input, or the reason it failed.
// std::expected where the standard library has it (g++ 12, C++23); a minimal stand-in where it
// does not (clang 14 with libstdc++ 12, used only to build the libFuzzer targets).
#include <string>
#include <utility>
#include <variant>
#include <version>

#if defined(__cpp_lib_expected)
#include <expected>
namespace mcpgate {
template <class T, class E>
using expected = std::expected<T, E>;
template <class E>
using unexpected = std::unexpected<E>;
}  // namespace mcpgate
#else
namespace mcpgate {
template <class E>
class unexpected {
 public:
  explicit unexpected(E e) : e_(std::move(e)) {}
  E& error() & { return e_; }
  E&& error() && { return std::move(e_); }

 private:
  E e_;
};
template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class expected {
 public:
  expected() requires std::is_default_constructible_v<T> : v_(std::in_place_index<0>) {}
  template <class U = T>
  expected(U&& u) requires std::is_constructible_v<T, U&&> : v_(std::in_place_index<0>, std::forward<U>(u)) {}
  template <class G>
  expected(unexpected<G> u) : v_(std::in_place_index<1>, std::move(u.error())) {}
  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  E& error() & { return std::get<1>(v_); }
  const E& error() const& { return std::get<1>(v_); }
  E&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};
template <class E>
class expected<void, E> {
 public:
  expected() = default;
  template <class G>
  expected(unexpected<G> u) : e_(std::move(u.error())), ok_(false) {}
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const {}
  const E& error() const { return e_; }

 private:
  E e_{};
  bool ok_ = true;
};
}  // namespace mcpgate
#endif

namespace mcpgate {

// A failure with a human-readable detail. Domains that need a machine-readable reason carry
// their own enum (see gateway/request_error.hpp); this is the common currency below them.
struct Error {
  std::string message;
};

template <class T>
using Result = expected<T, Error>;

inline unexpected<Error> fail(std::string message) {
  return unexpected<Error>(Error{std::move(message)});
}

}  // namespace mcpgate
