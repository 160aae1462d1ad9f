ciamd_test(core_test SOURCES unit/core_test.cpp DEPS ciamd_core)
