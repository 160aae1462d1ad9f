-- Scenario 4: Weibo login. Each line of BENCH_FILE is "access_token uid"; Weibo tokens are not
-- single-use, so run.sh sets BENCH_REUSE=1 and a pool of them is cycled.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

common.install(function()
  local token, uid = string.match(common.next_item(), "^(%S+)%s+(%S+)$")
  return wrk.format("POST", nil, nil,
                    '{"access_token":"' .. (token or "") .. '","uid":"' .. (uid or "") .. '"}')
end)
