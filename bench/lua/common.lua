-- Shared by every scenario script of bench/run.sh: the device headers, per-thread slices of a
-- file of single-use credentials, and the answer checks and summary line.
--
-- Environment (set by bench/run.sh):
--   BENCH_CLIENT_ID  the X-client-id of the application under test
--   BENCH_FILE       one credential per line (a code, a token, "token uid"); optional
--   BENCH_REUSE      "1": the credentials may be used again (Weibo tokens, session tokens), so a
--                    thread cycles through its slice; otherwise every line is sent at most once
--   BENCH_EXPECT     a string the body of a good answer contains, e.g. "status":"SUCCESS"
--   BENCH_DELAY_MS   a pause before each request of a connection (a paced run); 0: none
--
-- wrk runs setup() in its main Lua state once per thread, then init() and request() inside each
-- thread's own state: the main state hands every thread its own range of lines through
-- thread:set(), so no single-use code is ever sent twice, across threads included.

local M = {}

local threads = {}
local total_lines = nil
local next_thread = 0

local function read_lines(path)
  local lines = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" then lines[#lines + 1] = line end
  end
  f:close()
  return lines
end

-- Main state: split the file into one contiguous slice per thread.
function M.setup(thread)
  local path = os.getenv("BENCH_FILE")
  if path and path ~= "" then
    if not total_lines then total_lines = #read_lines(path) end
    local n = tonumber(os.getenv("BENCH_THREADS") or "2")
    local per = math.floor(total_lines / n)
    thread:set("slice_first", next_thread * per + 1)
    thread:set("slice_last", (next_thread + 1) * per)
  end
  thread:set("id", next_thread)
  next_thread = next_thread + 1
  threads[#threads + 1] = thread
end

-- Thread state. The counters are globals because the main state reads them with thread:get().
M.items = {}
M.pos = 0
errors = 0      -- non-2xx answers
wrong = 0       -- 2xx answers without the expected content
exhausted = 0   -- requests sent after the thread's single-use slice ran out
first_bad = nil -- the first bad answer, for the log

function M.init()
  local path = os.getenv("BENCH_FILE")
  if path and path ~= "" then
    local all = read_lines(path)
    for i = slice_first, slice_last do M.items[#M.items + 1] = all[i] end
  end
  M.reuse = os.getenv("BENCH_REUSE") == "1"
  M.expect = os.getenv("BENCH_EXPECT") or ""
  wrk.headers["X-operating-sys-version"] = "iOS 17.4"
  wrk.headers["X-device-fingerprint"] = "bench-device-" .. id
  wrk.headers["X-agent"] = "ciamd-bench/wrk"
  wrk.headers["X-client-id"] = os.getenv("BENCH_CLIENT_ID") or ""
  wrk.headers["Content-Type"] = "application/json"
end

-- The next credential of this thread. Once a single-use slice is used up, the last one is sent
-- again: its answer is an error, counted, and the run is flagged rather than silently inflated.
function M.next_item()
  local n = #M.items
  if n == 0 then return "" end
  M.pos = M.pos + 1
  if M.pos > n then
    if M.reuse then
      M.pos = 1
    else
      exhausted = exhausted + 1
      return M.items[n]
    end
  end
  return M.items[M.pos]
end

-- wrk asks delay() before each request only if the script defines it, so scripts define it only
-- for a paced run (M.paced()).
M.delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
function M.paced() return M.delay_ms > 0 end
function M.delay() return M.delay_ms end

function M.response(status, headers, body)
  if status < 200 or status > 299 then
    errors = errors + 1
    if not first_bad then first_bad = status .. " " .. string.sub(body or "", 1, 160) end
  elseif M.expect ~= "" and not string.find(body or "", M.expect, 1, true) then
    wrong = wrong + 1
    if not first_bad then first_bad = status .. " " .. string.sub(body or "", 1, 160) end
  end
end

-- Main state: one machine-readable line for bench/run.sh, then the first bad answer if any.
function M.done(summary, latency, requests)
  local n_errors, n_wrong, n_exhausted, bad = 0, 0, 0, nil
  for _, t in ipairs(threads) do
    n_errors = n_errors + (t:get("errors") or 0)
    n_wrong = n_wrong + (t:get("wrong") or 0)
    n_exhausted = n_exhausted + (t:get("exhausted") or 0)
    bad = bad or t:get("first_bad")
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.1f errors=%d wrong=%d exhausted=%d socket_errors=%d" ..
      " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    n_errors, n_wrong, n_exhausted, socket_errors,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  if bad then io.write("BENCH_FIRST_BAD " .. bad .. "\n") end
end

-- Makes `request` the script's request builder and installs the shared wrk hooks as globals,
-- delay() only for a paced run.
function M.install(request)
  setup = M.setup
  init = M.init
  response = M.response
  done = M.done
  _G.request = request
  if M.paced() then delay = M.delay end
end

return M
