#pragma once
// Runs a plain function on another executor (a pool's thread) and resumes the awaiting coroutine
// on its own executor (a serving thread) with the result.
//
// Why not co_spawn: co_spawn starts a coroutine on the pool, with a frame and an awaitable thread
// of its own, and completes through Asio's dispatch and cancellation machinery. For a function
// that does not suspend (a token's validation, a quota check on shared state, a blocking HTTP
// call) that is all overhead: here it is one post there and one post back.
//
// The function and its result live in the awaiting coroutine's frame, which lives until the
// coroutine resumes, so the work always runs to completion even when the request that asked for it
// is abandoned meanwhile. An exception thrown by the function is rethrown in the coroutine, as
// co_spawn would.
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "net/asio.hpp"

namespace mcpgate::net {

template <class Executor, class F>
awaitable<std::invoke_result_t<F&>> run_on(Executor executor, F f) {
  using R = std::invoke_result_t<F&>;
  std::optional<R> out;
  std::exception_ptr failure;
  co_await asio::async_initiate<decltype(use_awaitable), void()>(
      [&executor, &f, &out, &failure](auto handler) {
        asio::post(executor, [&f, &out, &failure, h = std::move(handler)]() mutable {
          try {
            out.emplace(f());
          } catch (...) {
            failure = std::current_exception();
          }
          // Resume on the coroutine's executor: invoking the handler here would run the rest of
          // the request on the pool's thread.
          asio::post(std::move(h));
        });
      },
      use_awaitable);
  if (failure) std::rethrow_exception(failure);
  co_return std::move(*out);
}

}  // namespace mcpgate::net
