# Test servers shared by unit and integration tests: an SMTP sink and a webhook receiver on
# loopback. They link no ciamd module, so the code under test never judges itself.
if(NOT TARGET ciamd_test_support)
  add_library(ciamd_test_support STATIC
    ${PROJECT_SOURCE_DIR}/tests/support/loopback_listener.cpp
    ${PROJECT_SOURCE_DIR}/tests/support/smtp_sink.cpp
    ${PROJECT_SOURCE_DIR}/tests/support/throwaway_tls.cpp
    ${PROJECT_SOURCE_DIR}/tests/support/webhook_receiver.cpp)
  target_include_directories(ciamd_test_support PUBLIC ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(ciamd_test_support
    PUBLIC OpenSSL::SSL OpenSSL::Crypto Threads::Threads
    PRIVATE ciamd_warnings)
endif()

ciamd_test(notify_test
  SOURCES unit/notify_test.cpp unit/notify_smtp_test.cpp
  DEPS ciamd_notify ciamd_test_support)
