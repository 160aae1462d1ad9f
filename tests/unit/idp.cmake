ciamd_test(idp_test
  SOURCES unit/idp_wire_test.cpp unit/idp_server_token_test.cpp unit/idp_weibo_test.cpp
    unit/idp_provider_ids_test.cpp
  DEPS ciamd_idp)
