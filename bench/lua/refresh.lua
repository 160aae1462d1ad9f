-- Scenario 5: a new id_token for a session. Each line of BENCH_FILE is a session token of a
-- seeded session; the bench application does not rotate session tokens, so they are cycled.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

-- wrk.format() takes a headers table instead of wrk.headers, not on top of it: copy them.
common.install(function()
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["session-token"] = common.next_item()
  return wrk.format("POST", nil, headers, "")
end)
