// net: message values, form decoding, routing, and the blocking pool.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/strand.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "exec/runtime.hpp"
#include "net/http.hpp"
#include "net/router.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

namespace asio = boost::asio;
using testing::run_now;

TEST(Headers, LookupIgnoresCase) {
  Headers headers;
  headers.add("Content-Type", "application/json");
  EXPECT_EQ(headers.get("content-type"), "application/json");
  EXPECT_EQ(headers.get("CONTENT-TYPE"), "application/json");
  EXPECT_TRUE(headers.has("Content-type"));
  EXPECT_FALSE(headers.has("X-L"));
  EXPECT_EQ(headers.get("X-L"), "");
}

TEST(Headers, SetReplacesEveryFieldOfThatNameAddKeepsThem) {
  Headers headers;
  headers.add("X-A", "1");
  headers.add("x-a", "2");
  EXPECT_EQ(headers.get("X-A"), "1");  // the first one wins
  EXPECT_EQ(headers.fields().size(), 2U);
  headers.set("X-a", "3");
  ASSERT_EQ(headers.fields().size(), 1U);
  EXPECT_EQ(headers.get("x-A"), "3");
}

TEST(HttpResponse, JsonSetsContentType) {
  const auto response = HttpResponse::json(201, "{}");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(response.body, "{}");
  EXPECT_TRUE(HttpResponse::empty(204).body.empty());
}

TEST(FormValue, DecodesPercentAndPlus) {
  const std::string form = "code=a%2Fb%3D&state=hello+world&empty=&flag&x%5Fy=z";
  EXPECT_EQ(form_value(form, "code"), "a/b=");
  EXPECT_EQ(form_value(form, "state"), "hello world");
  EXPECT_EQ(form_value(form, "empty"), "");
  EXPECT_EQ(form_value(form, "flag"), "");
  EXPECT_EQ(form_value(form, "x_y"), "z");
  EXPECT_EQ(form_value(form, "missing"), "");
  EXPECT_EQ(form_value("", "code"), "");
}

TEST(FormValue, FirstOccurrenceWinsAndBadEscapesStayLiteral) {
  EXPECT_EQ(form_value("a=1&a=2", "a"), "1");
  EXPECT_EQ(form_value("a=100%&b=%zz&c=%4", "a"), "100%");
  EXPECT_EQ(form_value("a=100%&b=%zz&c=%4", "b"), "%zz");
  EXPECT_EQ(form_value("a=100%&b=%zz&c=%4", "c"), "%4");
  EXPECT_EQ(form_value("name=%E5%BE%AE%E4%BF%A1", "name"), "\xE5\xBE\xAE\xE4\xBF\xA1");
}

Router make_router() {
  Router router;
  router.add("GET", "/a", [](const HttpRequest&) -> Task<HttpResponse> {
    co_return HttpResponse::json(200, "get a");
  });
  router.add("POST", "/a", [](const HttpRequest& request) -> Task<HttpResponse> {
    co_return HttpResponse::json(200, "post a " + request.body);
  });
  router.add("GET", "/b", [](const HttpRequest& request) -> Task<HttpResponse> {
    co_return HttpResponse::json(200, "b " + form_value(request.query, "q"));
  });
  router.on_miss([](const HttpRequest&, RouteMiss miss) {
    return HttpResponse::json(miss == RouteMiss::kUnknownPath ? 404 : 405, "miss");
  });
  return router;
}

HttpRequest request(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  r.path = target.substr(0, target.find('?'));
  if (target.find('?') != std::string::npos) r.query = target.substr(target.find('?') + 1);
  return r;
}

TEST(Router, DispatchesOnExactMethodAndPath) {
  const Router router = make_router();
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/a"))).body, "get a");
  auto post = request("POST", "/a");
  post.body = "x";
  EXPECT_EQ(run_now(router.dispatch(post)).body, "post a x");
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/b?q=1"))).body, "b 1");
}

TEST(Router, MissDistinguishesUnknownPathFromWrongMethod) {
  const Router router = make_router();
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/c"))).status, 404);
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/a/"))).status, 404);  // exact match only
  EXPECT_EQ(run_now(router.dispatch(request("DELETE", "/a"))).status, 405);
  EXPECT_EQ(run_now(router.dispatch(request("POST", "/b?q=1"))).status, 405);
}

TEST(Router, ListsRoutesInRegistrationOrder) {
  const auto routes = make_router().routes();
  ASSERT_EQ(routes.size(), 3U);
  EXPECT_EQ(routes[0], (std::pair<std::string, std::string>{"GET", "/a"}));
  EXPECT_EQ(routes[1], (std::pair<std::string, std::string>{"POST", "/a"}));
  EXPECT_EQ(routes[2], (std::pair<std::string, std::string>{"GET", "/b"}));
}

TEST(Router, WithoutMissHandlerAnswers404And405) {
  Router router;
  router.add("GET", "/a",
             [](const HttpRequest&) -> Task<HttpResponse> { co_return HttpResponse::empty(200); });
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/x"))).status, 404);
  EXPECT_EQ(run_now(router.dispatch(request("POST", "/a"))).status, 405);
}

TEST(Router, TemplatesMatchOneSegmentPerVariableAfterExactPaths) {
  Router router;
  const auto answer = [](std::string what) {
    return [what](const HttpRequest& r) -> Task<HttpResponse> {
      co_return HttpResponse::json(200, what + ":" + std::string(path_segment(r.path, 2)));
    };
  };
  router.add("GET", "/v1/users/{id}", answer("user"));
  router.add("DELETE", "/v1/users/{id}", answer("delete"));
  router.add("GET", "/v1/users/search", answer("search"));
  router.add("GET", "/v1/users/{id}/sessions", answer("sessions"));
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/v1/users/42"))).body, "user:42");
  EXPECT_EQ(run_now(router.dispatch(request("DELETE", "/v1/users/42"))).body, "delete:42");
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/v1/users/search"))).body, "search:search");
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/v1/users/7/sessions"))).body, "sessions:7");
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/v1/users/"))).status, 404);  // empty id
  EXPECT_EQ(run_now(router.dispatch(request("GET", "/v1/users/7/x"))).status, 404);
  EXPECT_EQ(run_now(router.dispatch(request("POST", "/v1/users/7"))).status, 405);
  EXPECT_EQ(router.route_of(request("GET", "/v1/users/7/sessions")), "/v1/users/{id}/sessions");
  EXPECT_EQ(router.route_of(request("GET", "/v1/nothing")), "");
}

TEST(PathSegment, CountsFromTheFirstSegment) {
  EXPECT_EQ(path_segment("/a/b/c", 0), "a");
  EXPECT_EQ(path_segment("/a/b/c", 2), "c");
  EXPECT_EQ(path_segment("/a/b/c", 3), "");
  EXPECT_EQ(path_segment("/a//c", 1), "");
}

struct Observed {
  int value = 0;
  std::thread::id caller, worker, resumed;
  bool resumed_on_strand = false;
};

TEST(BlockingPool, RunsOnThePoolAndResumesOnTheCallersExecutor) {
  Runtime runtime(1);  // one loop thread, so the caller's thread is well defined
  BlockingPool pool(2);
  std::jthread loop([&] { runtime.run(); });
  auto strand = asio::make_strand(runtime.io());

  auto observed = asio::co_spawn(
      strand,
      [&]() -> Task<Observed> {
        Observed o;
        o.caller = std::this_thread::get_id();
        o.value = co_await pool.run([&o] {
          o.worker = std::this_thread::get_id();
          return 42;
        });
        o.resumed = std::this_thread::get_id();
        o.resumed_on_strand = strand.running_in_this_thread();
        co_return o;
      },
      asio::use_future);
  const Observed o = observed.get();
  runtime.stop();

  EXPECT_EQ(o.value, 42);
  EXPECT_NE(o.worker, o.caller);
  EXPECT_EQ(o.resumed, o.caller);
  EXPECT_TRUE(o.resumed_on_strand);
}

TEST(BlockingPool, RethrowsInTheCoroutineAndRunsVoidFunctions) {
  BlockingPool pool(1);
  int calls = 0;
  run_now([&]() -> Task<void> { co_await pool.run([&calls] { ++calls; }); }());
  EXPECT_EQ(calls, 1);

  auto failing = [&]() -> Task<int> {
    co_return co_await pool.run([]() -> int { throw std::runtime_error("database is down"); });
  };
  try {
    run_now(failing());
    FAIL() << "expected the pool's exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "database is down");
  }
}

TEST(BlockingPool, PostRunsWorkAndLogsItsExceptions) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));

  std::atomic<int> ran{0};
  {
    BlockingPool pool(2);
    pool.post([&ran] { ++ran; });
    pool.post([] { throw std::runtime_error("audit write failed"); });
  }  // the destructor waits for queued work
  spdlog::set_default_logger(previous);

  EXPECT_EQ(ran.load(), 1);
  EXPECT_NE(log.str().find("audit write failed"), std::string::npos);
}

}  // namespace
}  // namespace ciamd
