ciamd_test(api_test SOURCES unit/api_test.cpp unit/api_ops_test.cpp unit/api_openapi_test.cpp unit/api_edge_test.cpp
  DEPS ciamd_api)
# api_openapi_test checks that docs/openapi.yaml lists every route.
target_compile_definitions(api_test PRIVATE CIAMD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
