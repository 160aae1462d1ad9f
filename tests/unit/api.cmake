ciamd_test(api_test SOURCES unit/api_test.cpp unit/api_ops_test.cpp DEPS ciamd_api)
