ciamd_test(tokens_test
  SOURCES unit/tokens_test.cpp unit/tokens_jws_test.cpp unit/tokens_key_ring_test.cpp
  DEPS ciamd_tokens)
