ciamd_test(idp_sim_test
  SOURCES
    unit/idp_sim_test.cpp
    unit/idp_sim_mini_test.cpp
    unit/idp_sim_phone_test.cpp
    unit/idp_sim_tokens_test.cpp
    unit/idp_sim_weibo_test.cpp
    unit/idp_sim_wire_test.cpp
  DEPS idp_sim_core idp_sim_http)
