// exec/task: the coroutine type of every asynchronous function in ciamd. Only the light
// `awaitable` header is pulled in; the rest of Asio stays inside net/*.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>

namespace ciamd {

template <class T>
using Task = boost::asio::awaitable<T>;

}  // namespace ciamd
