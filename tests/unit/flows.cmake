ciamd_test(flows_test
  SOURCES unit/flows_social_login_test.cpp unit/flows_admin_test.cpp unit/flows_parts_test.cpp
          unit/flows_verification_test.cpp unit/flows_social_bind_test.cpp
          unit/flows_miniprogram_test.cpp unit/flows_mfa_test.cpp unit/flows_session_test.cpp
          unit/flows_signing_keys_test.cpp unit/flows_shared_token_test.cpp
          unit/contracts_test.cpp
  DEPS ciamd_flows ciamd_notify)
# The key endpoints over the keys flows/keys/signing_keys loads: needs the api module too.
ciamd_test(flows_keys_endpoint_test SOURCES unit/flows_keys_endpoint_test.cpp DEPS ciamd_api)
