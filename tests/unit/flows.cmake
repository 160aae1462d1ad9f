ciamd_test(flows_test
  SOURCES unit/flows_social_login_test.cpp unit/flows_admin_test.cpp unit/flows_parts_test.cpp
          unit/flows_verification_test.cpp unit/flows_social_bind_test.cpp
          unit/flows_miniprogram_test.cpp unit/flows_mfa_test.cpp
  DEPS ciamd_flows ciamd_notify)
