ciamd_test(net_test
  SOURCES unit/net_test.cpp unit/net_async_event_test.cpp unit/net_periodic_test.cpp unit/net_http_test.cpp
    unit/net_tls_test.cpp
  DEPS ciamd_net ciamd_test_support)
