-- Scenarios 1 to 3: POST {"code": "..."} with one fresh single-use code per request (WeChat app
-- login, the register flow, mini program phone-number login). The path comes from wrk's URL.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

common.install(function()
  return wrk.format("POST", nil, nil, '{"code":"' .. common.next_item() .. '"}')
end)
