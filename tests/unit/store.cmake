ciamd_test(store_test
  SOURCES unit/store_test.cpp unit/store_commit_test.cpp unit/store_codes_test.cpp
          unit/store_devices_test.cpp unit/store_sessions_test.cpp unit/store_admin_test.cpp
          unit/store_reseal_test.cpp unit/store_tenants_test.cpp
          unit/store_shared_test.cpp
  DEPS ciamd_store)
