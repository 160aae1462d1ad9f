ciamd_test(idp_sim_test SOURCES unit/idp_sim_test.cpp DEPS idp_sim_core)
