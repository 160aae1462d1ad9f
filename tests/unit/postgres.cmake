ciamd_test(pg_connection_test SOURCES unit/pg_connection_test.cpp DEPS ciamd_store)
