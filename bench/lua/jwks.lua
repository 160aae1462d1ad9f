-- Scenario 6: GET the JWKS, without If-None-Match, so every answer is the full key set.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

common.install(function()
  return wrk.format("GET", nil, nil, nil)
end)
