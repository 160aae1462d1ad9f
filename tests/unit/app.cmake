ciamd_test(app_test SOURCES unit/docs_test.cpp unit/config_test.cpp unit/app_logging_test.cpp
  DEPS ciamd_app Boost::json)
target_compile_definitions(app_test PRIVATE CIAMD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
