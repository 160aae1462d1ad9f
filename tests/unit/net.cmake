ciamd_test(net_test
  SOURCES unit/net_test.cpp unit/net_async_event_test.cpp unit/net_periodic_test.cpp unit/net_http_test.cpp
    unit/net_tls_test.cpp unit/net_metrics_test.cpp unit/net_drain_test.cpp
  DEPS ciamd_net ciamd_test_support)
# net_metrics_test checks that docs/operations.md lists every metric.
target_compile_definitions(net_test PRIVATE CIAMD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
