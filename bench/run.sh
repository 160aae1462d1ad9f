#!/usr/bin/env bash
# The load benchmark: builds ciamd and idp-sim in Release, starts both on loopback with state in a
# fresh temporary directory, seeds users, drives each scenario with wrk and prints one markdown
# table (also written to bench/results/, with the raw wrk outputs beside it).
#
#   bash bench/run.sh [--duration 10] [--connections 16] [--threads 2] [--scenarios 1,2,3,4,5,6]
#                     [--rate-estimate 3000] [--database postgresql://...] [--port N] [--keep]
#                     [--users 100000 ...] [--upstream-latency 100] [--idle-connections 10000]
#                     [--ciamd-bin PATH]
#
# Scenarios: 1 WeChat login of a linked user (SUCCESS), 2 WeChat login of a new identity
# (USER_REGISTER), 3 mini program phone-number login, 4 Weibo login, 5 id_token refresh, 6 JWKS.
# Extra runs, each a table of its own: --users N (repeatable; filler users and identities written
# straight into the SQLite file, then scenario 1 again), --upstream-latency MS (scenario 1 with
# every WeChat call delayed, at --connections), --idle-connections N (server RSS with N idle
# keep-alive connections). --scenarios none runs only the extra runs. Scenario 1 runs twice: at
# saturation, then paced at half the rate it reached (the latency a node shows with headroom).
# --ciamd-bin measures another build of the server (say, the one before a change) against the same
# simulator and scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=10
connections=16
wrk_threads=2
scenarios="1,2,3,4,5,6"
# Logins per second the codes are minted for (x duration x 1.5). A guess on the high side: codes
# that run out are counted and flag the run, they never inflate it.
rate_estimate=3000
database=""
server_port="${CIAMD_BENCH_PORT:-}"
keep=0
filler_runs=()
upstream_latency=""
idle_connections=""
bench_users=1000
ciamd_override=""

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) wrk_threads=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --rate-estimate) rate_estimate=$2; shift 2 ;;
    --database) database=$2; shift 2 ;;
    --port) server_port=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --users) filler_runs+=("$2"); shift 2 ;;
    --upstream-latency) upstream_latency=$2; shift 2 ;;
    --idle-connections) idle_connections=$2; shift 2 ;;
    --ciamd-bin) ciamd_override=$(realpath "$2"); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for n in "$duration" "$connections" "$wrk_threads" "$rate_estimate" ${filler_runs[@]+"${filler_runs[@]}"} \
         ${upstream_latency:+"$upstream_latency"} ${idle_connections:+"$idle_connections"}; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "not a number: $n" >&2; exit 2; }
done
if [ -n "$database" ] && [ ${#filler_runs[@]} -gt 0 ]; then
  echo "--users seeds a SQLite file; it is not supported with --database" >&2
  exit 2
fi

bash scripts/install-deps.sh
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Build. A configure failure is retried without bench/: the micro-benchmarks are optional here,
# only the RS256 reference figure needs them, and openssl stands in for it. BENCH=ON is explicit
# because the cache would otherwise keep an OFF from such a fallback in an earlier run.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
build_dir=build-release
notes=()
if ! cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCIAMD_BUILD_TESTS=OFF \
     -DCIAMD_BUILD_BENCH=ON >/dev/null; then
  notes+=("bench/ did not configure; built without the micro-benchmarks")
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCIAMD_BUILD_TESTS=OFF \
    -DCIAMD_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target ciamd idp-sim
micro_bench=""
# The target list is read whole first: grep -q would stop reading early, and under pipefail the
# writer's SIGPIPE would read as "no such target".
targets=$(cmake --build "$build_dir" --target help 2>/dev/null || true)
if grep -q ciamd_micro_bench <<<"$targets"; then
  if cmake --build "$build_dir" -j"$(nproc)" --target ciamd_micro_bench; then
    micro_bench="$build_dir/bin/ciamd_micro_bench"
  else
    notes+=("ciamd_micro_bench did not build; RS256 cost from openssl speed")
  fi
else
  notes+=("no ciamd_micro_bench target; RS256 cost from openssl speed")
fi
ciamd_bin=${ciamd_override:-"$root/$build_dir/bin/ciamd"}
[ -x "$ciamd_bin" ] || { echo "not an executable: $ciamd_bin" >&2; exit 2; }
sim_bin="$root/$build_dir/bin/idp-sim"

# ---------------------------------------------------------------------------------------------
# State, processes and cleanup.
# Thousands of connections need as many descriptors, in wrk, the server and the idle holder;
# raised before anything starts so that every child inherits it.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ciamd-bench.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then echo "state kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nobody listens on; the caller can fix the server's with --port. Bash's /dev/tcp gives
# "connection refused" for a free port. The range avoids the demo's 8080/8081/9100/9443 and stays
# below Linux's ephemeral ports (32768 and up), where the simulator's port 0 and every outgoing
# connection land.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}
[ -n "$server_port" ] || server_port=$(free_port)
admin_port=$(free_port)
sim_https_port=$(free_port)

wechat_appid=wxbench000000app
wechat_secret=bench-wechat-secret
mini_appid=wxbench00000mini
mini_secret=bench-mini-secret
weibo_app_key=1352222456
weibo_secret=bench-weibo-secret
auto_client=BenchAutoCreateApp00000000000001
register_client=BenchRegisterApp0000000000000001

# Codes live an hour so that minting ahead of a long run never expires them.
"$sim_bin" --listen 127.0.0.1:0 --https-listen "127.0.0.1:$sim_https_port" --tls-dir "$tmp/tls" \
  --ready-file "$tmp/sim-ready.json" --threads 2 --code-ttl 3600 --mini-code-ttl 3600 \
  --wechat-app "$wechat_appid:$wechat_secret" --wechat-app "$mini_appid:$mini_secret" \
  --weibo-app "$weibo_app_key:$weibo_secret" >"$tmp/idp-sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/sim-ready.json" ] && break; sleep 0.1; done
[ -s "$tmp/sim-ready.json" ] || { echo "idp-sim did not start; see $tmp/idp-sim.log" >&2; exit 1; }
sim="http://127.0.0.1:$(jq -r .http_port "$tmp/sim-ready.json")"
server="http://127.0.0.1:$server_port"

db_url=${database:-"sqlite://$tmp/ciamd.db"}
(umask 077 && "$ciamd_bin" master-key >"$tmp/master.key")
cat >"$tmp/ciamd.toml" <<TOML
# Written by bench/run.sh; like config/demo.toml, with logging at warn so that it is not what
# we measure. Every other setting is the default, as a node ships.
[server]
listen = "127.0.0.1:$server_port"
development = true

[admin]
listen = "127.0.0.1:$admin_port"

[database]
url = "$db_url"

[upstream]
wechat_base_url = "https://127.0.0.1:$sim_https_port"
weibo_base_url = "https://127.0.0.1:$sim_https_port"
ca_file = "$tmp/tls/ca.pem"

[tokens]
issuer = "$server"

[security]
master_key_file = "$tmp/master.key"

[notify]
sms = "outbox"
email = "outbox"
outbox_file = "$tmp/outbox.jsonl"

[log]
level = "warn"
TOML
export CIAMD_CONFIG="$tmp/ciamd.toml"
"$ciamd_bin" migrate >/dev/null
create_app() {  # client_id name unbound
  local providers=(--wechat-appid "$wechat_appid" --wechat-secret "$wechat_secret"
                   --miniprogram-appid "$mini_appid" --miniprogram-secret "$mini_secret"
                   --weibo-app-key "$weibo_app_key")
  if "$ciamd_bin" app show "$1" >/dev/null 2>&1; then
    "$ciamd_bin" app update "$1" "${providers[@]}" >/dev/null  # a reused --database
  else
    "$ciamd_bin" app create --client-id "$1" --name "$2" --unbound "$3" --mfa off \
      "${providers[@]}" >/dev/null
  fi
}
create_app "$auto_client" "Bench (auto_create)" auto_create
create_app "$register_client" "Bench (register)" register

"$ciamd_bin" serve >"$tmp/ciamd.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$admin_port/health/ready" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$admin_port/health/ready" >/dev/null ||
  { echo "ciamd did not become ready; see $tmp/ciamd.log" >&2; exit 1; }
idle_start_kb=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$server_pid/status")

# ---------------------------------------------------------------------------------------------
# Batches of HTTP calls. One curl process per batch reuses one keep-alive connection, a few
# thousand calls a second; two of them in parallel keep both simulator threads busy. Each
# answer is one line of stdout, in order within a part (the parts are concatenated).
#   curl_batch NAME PARTS < lines of "URL<TAB>BODY<TAB>HEADER;HEADER..."
curl_batch() {
  local name=$1 parts=$2 i
  awk -F'\t' -v parts="$parts" -v out="$tmp/$name" '
    {
      f = out "." (NR % parts) ".cfg"
      if (seen[f]++) printf "next\n" > f  # between sections only: a trailing one wants a URL
      gsub(/"/, "\\\"", $2)  # the bodies hold no backslashes
      printf "url = \"%s\"\ndata = \"%s\"\nheader = \"content-type: application/json\"\n", $1, $2 > f
      n = split($3, hs, ";")
      for (h = 1; h <= n; h++) if (hs[h] != "") printf "header = \"%s\"\n", hs[h] > f
      printf "write-out = \"\\n\"\n" > f
    }'
  local part_pids=()
  for ((i = 0; i < parts; i++)); do
    [ -f "$tmp/$name.$i.cfg" ] || continue
    curl -s -K "$tmp/$name.$i.cfg" >"$tmp/$name.$i.out" &
    part_pids+=($!)
  done
  for i in "${part_pids[@]}"; do wait "$i"; done
  cat "$tmp/$name".*.out
  rm -f "$tmp/$name".*.cfg "$tmp/$name".*.out
}

device_headers() {  # client_id
  printf 'X-operating-sys-version: iOS 17.4;X-device-fingerprint: bench-seed;X-agent: ciamd-bench/curl;X-client-id: %s' "$1"
}

# Lines of answers that must all contain $2, or the seeding failed.
expect_all() {  # file text what
  local total good
  total=$(wc -l <"$1")
  good=$(grep -c -F -- "$2" "$1" || true)
  if [ "$total" -eq 0 ] || [ "$good" -ne "$total" ]; then
    echo "$3: $good of $total answers contain $2; first other:" >&2
    grep -v -F -- "$2" "$1" | head -1 >&2
    exit 1
  fi
}

# ---------------------------------------------------------------------------------------------
# Seed: bench users at the simulator, each logged in once (WeChat app, phone number, Weibo), so
# that the scenarios measure logins of linked users; the WeChat sessions feed scenario 5.
echo "seeding $bench_users users..."
seq 1 "$bench_users" | awk -v s="$sim" '{printf "%s/_sim/wechat/users\t{\"user_key\":\"bench-%d\",\"nickname\":\"Bench %d\",\"phone\":\"139%08d\"}\t\n", s, $1, $1, $1}' |
  curl_batch sim-users 2 >"$tmp/sim-users.out"
expect_all "$tmp/sim-users.out" '"user_key"' "simulator users"
seq 1 "$bench_users" | awk -v s="$sim" '{printf "%s/_sim/weibo/users\t{\"uid\":\"%d\",\"screen_name\":\"Bench %d\"}\t\n", s, 1100000000 + $1, $1}' |
  curl_batch weibo-users 2 >"$tmp/weibo-users.out"
expect_all "$tmp/weibo-users.out" '"uid"' "simulator Weibo users"
seq 1 "$bench_users" | awk -v s="$sim" -v k="$weibo_app_key" '{printf "%s/_sim/weibo/tokens\t{\"app_key\":\"%s\",\"uid\":\"%d\"}\t\n", s, k, 1100000000 + $1}' |
  curl_batch weibo-tokens 2 | jq -r '"\(.access_token) \(.uid)"' >"$tmp/weibo-tokens.txt"

seed_logins() {  # name path sim-mint-path mint-appid
  local name=$1 path=$2 mint=$3 appid=$4
  seq 1 "$bench_users" | awk -v s="$sim" -v m="$mint" -v a="$appid" '{printf "%s%s\t{\"appid\":\"%s\",\"user_key\":\"bench-%d\"}\t\n", s, m, a, $1}' |
    curl_batch "$name-codes" 2 | jq -r .code |
    awk -v u="$server$path" -v h="$(device_headers "$auto_client")" '{printf "%s\t{\"code\":\"%s\"}\t%s\n", u, $1, h}' |
    curl_batch "$name-logins" 2 >"$tmp/$name-logins.out"
  expect_all "$tmp/$name-logins.out" '"status":"SUCCESS"' "seeding $name logins"
}
seed_logins wechat /api/v2/sdk/login/wechat /_sim/wechat/codes "$wechat_appid"
jq -r .session_token "$tmp/wechat-logins.out" >"$tmp/sessions.txt"
seed_logins phone /api/v2/sdk/login/wechat-mini-program-mobile /_sim/wechat/phone-codes "$mini_appid"
awk -v u="$server/api/v2/sdk/login/weibo" -v h="$(device_headers "$auto_client")" '{printf "%s\t{\"access_token\":\"%s\",\"uid\":\"%s\"}\t%s\n", u, $1, $2, h}' "$tmp/weibo-tokens.txt" |
  curl_batch weibo-logins 2 >"$tmp/weibo-logins.out"
expect_all "$tmp/weibo-logins.out" '"status":"SUCCESS"' "seeding Weibo logins"

# ---------------------------------------------------------------------------------------------
# Minting: codes for `needed` requests, shuffled so that consecutive requests are different users.
codes_needed() { echo $(((rate_estimate * duration * 3 + 1) / 2)); }
mint_for_bench_users() {  # out-file mint-path appid
  local per=$((($(codes_needed) + bench_users - 1) / bench_users))
  seq 1 "$bench_users" | awk -v s="$sim" -v m="$2" -v a="$3" -v c="$per" '{printf "%s%s\t{\"appid\":\"%s\",\"user_key\":\"bench-%d\",\"count\":%d}\t\n", s, m, a, $1, c}' |
    curl_batch mint 2 | jq -r '.codes[]' | shuf >"$1"
}
fresh_round=0
mint_for_new_users() {  # out-file: one code each for users the server has never seen
  local n
  n=$(codes_needed)
  fresh_round=$((fresh_round + 1))
  seq 1 "$n" | awk -v s="$sim" -v r="$fresh_round" '{printf "%s/_sim/wechat/users\t{\"user_key\":\"new-%d-%d\"}\t\n", s, r, $1}' |
    curl_batch new-users 2 >"$tmp/new-users.out"
  expect_all "$tmp/new-users.out" '"user_key"' "new simulator users"
  seq 1 "$n" | awk -v s="$sim" -v r="$fresh_round" -v a="$wechat_appid" '{printf "%s/_sim/wechat/codes\t{\"appid\":\"%s\",\"user_key\":\"new-%d-%d\"}\t\n", s, a, r, $1}' |
    curl_batch new-codes 2 | jq -r .code >"$1"
}

# ---------------------------------------------------------------------------------------------
# Measuring one wrk run.
clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }  # utime + stime of ciamd alone
status_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$server_pid/status"; }
# Writing 5 to clear_refs resets VmHWM (proc(5)), so each run reports its own peak.
reset_peak() { echo 5 >"/proc/$server_pid/clear_refs" 2>/dev/null || true; }

stamp=$(date +%Y-%m-%dT%H%M)
host=$(hostname -s)
results_dir="$root/bench/results"
raw_dir="$results_dir/$stamp-$host"
mkdir -p "$raw_dir"

# run_wrk NAME PATH SCRIPT CLIENT EXPECT FILE REUSE CONNECTIONS -> sets r_* for the table
run_wrk() {
  local name=$1 path=$2 script=$3 client=$4 expect=$5 file=$6 reuse=$7 conns=$8
  local out="$raw_dir/$name.txt" before after line
  reset_peak
  before=$(cpu_ticks)
  BENCH_LUA_DIR="$root/bench/lua" BENCH_FILE="$file" BENCH_REUSE="$reuse" BENCH_EXPECT="$expect" \
    BENCH_CLIENT_ID="$client" BENCH_THREADS="$wrk_threads" BENCH_DELAY_MS="${bench_delay_ms:-0}" \
    wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --timeout 10s --latency \
    -s "$root/bench/lua/$script" "$server$path" >"$out" 2>&1 || true
  after=$(cpu_ticks)
  line=$(grep '^BENCH ' "$out" || true)
  if [ -z "$line" ]; then
    echo "wrk gave no summary for $name; see $out" >&2
    cat "$out" >&2
    exit 1
  fi
  kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
  r_requests=$(kv requests)
  r_seconds=$(kv duration_s)
  local errors wrong socket exhausted
  errors=$(kv errors) wrong=$(kv wrong) socket=$(kv socket_errors) exhausted=$(kv exhausted)
  r_bad=$((errors + wrong + socket))
  r_good_rps=$(awk -v n="$r_requests" -v b="$r_bad" -v s="$r_seconds" 'BEGIN{printf "%.0f", (n - b) / s}')
  r_p50=$(kv p50_ms) r_p90=$(kv p90_ms) r_p99=$(kv p99_ms) r_max=$(kv max_ms)
  r_cpu_ms=$(awk -v d=$((after - before)) -v t="$clk_tck" -v n="$r_requests" \
    'BEGIN{ if (n > 0) printf "%.3f", d / t * 1000 / n; else print "-" }')
  r_peak_mib=$(awk -v k="$(status_kb VmHWM)" 'BEGIN{printf "%.1f", k / 1024}')
  r_flag="ok"
  if [ "$r_bad" -gt 0 ]; then r_flag="**$r_bad errors** ($errors non-2xx, $wrong wrong status, $socket socket)"; fi
  if [ "$exhausted" -gt 0 ]; then r_flag="$r_flag; **codes ran out** ($exhausted requests)"; fi
  echo "  $name: $r_good_rps good req/s, p50 $r_p50 ms, p99 $r_p99 ms, CPU $r_cpu_ms ms/req, $r_flag"
}
table_header() {
  echo "| scenario | good req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req | server peak RSS MiB | requests | result |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
}
table_row() {  # label
  echo "| $1 | $r_good_rps | $r_p50 | $r_p90 | $r_p99 | $r_max | $r_cpu_ms | $r_peak_mib | $r_requests | $r_flag |"
}

report="$tmp/report.md"
{
  echo "# ciamd load benchmark, $stamp, $host"
  echo
  echo "$(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)); wrk $wrk_threads threads," \
       "$connections connections, ${duration} s per scenario; database ${db_url%%:*};" \
       "$bench_users linked bench users; server, simulator and wrk on one machine."
  echo "\"good req/s\" counts only answers with the expected status; CPU is utime+stime of the ciamd" \
       "process over the run divided by all requests; peak RSS is VmHWM, reset before each run." \
       "Server RSS idle after start: $(awk -v k="$idle_start_kb" 'BEGIN{printf "%.1f", k / 1024}') MiB."
  echo
} >"$report"

# ---------------------------------------------------------------------------------------------
# The scenarios.
wechat_cpu_ms=""
if [ "$scenarios" != none ]; then
  table_header >>"$report"
  IFS=, read -r -a chosen <<<"$scenarios"
  for s in "${chosen[@]}"; do
    case "$s" in
      1)
        echo "scenario 1: minting codes..."
        mint_for_bench_users "$tmp/codes-1.txt" /_sim/wechat/codes "$wechat_appid"
        run_wrk 1-wechat-success /api/v2/sdk/login/wechat code_login.lua "$auto_client" \
          '"status":"SUCCESS"' "$tmp/codes-1.txt" 0 "$connections"
        wechat_cpu_ms=$r_cpu_ms
        saturated_rps=$r_good_rps
        table_row "1. WeChat login, linked user (SUCCESS)" >>"$report"
        # Paced: every connection waits between requests so that all of them together ask for
        # half the saturated rate; the rate reached is what the row reports.
        echo "scenario 1 paced at half of $saturated_rps req/s: minting codes..."
        mint_for_bench_users "$tmp/codes-1p.txt" /_sim/wechat/codes "$wechat_appid"
        bench_delay_ms=$(awk -v c="$connections" -v r="$saturated_rps" \
          'BEGIN{ if (r > 0) printf "%d", c * 1000 / (r / 2); else print 0 }')
        run_wrk 1-wechat-success-paced /api/v2/sdk/login/wechat code_login.lua "$auto_client" \
          '"status":"SUCCESS"' "$tmp/codes-1p.txt" 0 "$connections"
        bench_delay_ms=0
        table_row "1. the same, paced at half the saturated rate" >>"$report" ;;
      2)
        echo "scenario 2: minting codes for new users..."
        mint_for_new_users "$tmp/codes-2.txt"
        run_wrk 2-wechat-register /api/v2/sdk/login/wechat code_login.lua "$register_client" \
          '"status":"USER_REGISTER"' "$tmp/codes-2.txt" 0 "$connections"
        table_row "2. WeChat login, new identity (USER_REGISTER)" >>"$report" ;;
      3)
        echo "scenario 3: minting phone-number codes..."
        mint_for_bench_users "$tmp/codes-3.txt" /_sim/wechat/phone-codes "$mini_appid"
        run_wrk 3-mini-phone /api/v2/sdk/login/wechat-mini-program-mobile code_login.lua \
          "$auto_client" '"status":"SUCCESS"' "$tmp/codes-3.txt" 0 "$connections"
        table_row "3. Mini program phone login (SUCCESS)" >>"$report" ;;
      4)
        echo "scenario 4: Weibo..."
        run_wrk 4-weibo /api/v2/sdk/login/weibo weibo_login.lua "$auto_client" \
          '"status":"SUCCESS"' "$tmp/weibo-tokens.txt" 1 "$connections"
        table_row "4. Weibo login (SUCCESS)" >>"$report" ;;
      5)
        echo "scenario 5: id_token refresh..."
        run_wrk 5-refresh /api/v2/sdk/sso/session-token/id-token refresh.lua "$auto_client" \
          '"id_token"' "$tmp/sessions.txt" 1 "$connections"
        table_row "5. id_token refresh" >>"$report" ;;
      6)
        echo "scenario 6: JWKS..."
        run_wrk 6-jwks /api/v1/oauth2/keys jwks.lua "$auto_client" '"keys"' "" 1 "$connections"
        table_row "6. JWKS fetch" >>"$report" ;;
      *) echo "unknown scenario: $s" >&2; exit 2 ;;
    esac
  done
  echo >>"$report"
fi

# ---------------------------------------------------------------------------------------------
# The cost of one RS256 signature here, the floor of a SUCCESS login's CPU.
rs256_ms=""
rs256_source=""
if [ -n "$micro_bench" ]; then
  if "$micro_bench" --benchmark_filter='BM_JwsSign/RS256' --benchmark_format=json \
       >"$raw_dir/micro-rs256.json" 2>/dev/null; then
    rs256_ms=$(jq -r '[.benchmarks[] | select(.name | startswith("BM_JwsSign/RS256"))][0]
      | if . == null then empty else
          .cpu_time * ({"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1e3}[.time_unit]) end' \
      "$raw_dir/micro-rs256.json" | awk '{printf "%.4f", $1}')
    rs256_source="ciamd_micro_bench BM_JwsSign/RS256, cpu_time"
  fi
fi
if [ -z "$rs256_ms" ]; then
  openssl speed -seconds 3 rsa2048 >"$raw_dir/openssl-speed.txt" 2>/dev/null || true
  rs256_ms=$(awk '/^rsa 2048 bits/ {sub(/s$/, "", $4); printf "%.4f", $4 * 1000}' \
    "$raw_dir/openssl-speed.txt")
  rs256_source="openssl speed -seconds 3 rsa2048 (sign)"
fi
{
  echo "One RS256 signature: ${rs256_ms:-?} ms CPU ($rs256_source)."
  if [ -n "$wechat_cpu_ms" ] && [ -n "$rs256_ms" ]; then
    echo "Server CPU per SUCCESS WeChat login / one RS256 signature:" \
      "$(awk -v a="$wechat_cpu_ms" -v b="$rs256_ms" 'BEGIN{printf "%.1f", a / b}')."
  fi
  echo
} >>"$report"

# ---------------------------------------------------------------------------------------------
# Extra: many users. Filler users with WeChat identities (and unionid owners) go straight into
# the SQLite file in one transaction, so that the indexes a login searches are that large.
if [ ${#filler_runs[@]} -gt 0 ]; then
  {
    echo "## Scenario 1 with more users in the database"
    echo
    echo "| users in the database | good req/s | p50 ms | p99 ms | server CPU ms/req | vs ${bench_users} users | result |"
    echo "|---:|---:|---:|---:|---:|---:|---|"
  } >>"$report"
  base_cpu=$wechat_cpu_ms
  for total in "${filler_runs[@]}"; do
    have=$(sqlite3 "$tmp/ciamd.db" 'SELECT count(*) FROM users')
    add=$((total - have))
    if [ "$add" -gt 0 ]; then
      echo "adding $add filler users..."
      start=$(sqlite3 "$tmp/ciamd.db" "SELECT count(*) FROM users WHERE id LIKE 'filler%'")
      sqlite3 "$tmp/ciamd.db" <<SQL
.timeout 60000
BEGIN;
WITH RECURSIVE seq(i) AS (SELECT $start + 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $start + $add)
INSERT INTO users (id, username, name, mobile, email, status, created_at, updated_at)
  SELECT printf('filler%012d', i), printf('filler_%d', i), 'Filler', printf('+86170%08d', i),
         NULL, 'active', strftime('%s', 'now'), strftime('%s', 'now') FROM seq;
WITH RECURSIVE seq(i) AS (SELECT $start + 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $start + $add)
INSERT INTO identities (provider, provider_app_id, subject, unionid, user_id, profile_json, created_at)
  SELECT 'wechat', '$wechat_appid', printf('ofiller%021d', i), printf('ufiller%021d', i),
         printf('filler%012d', i), '{}', strftime('%s', 'now') FROM seq;
WITH RECURSIVE seq(i) AS (SELECT $start + 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $start + $add)
INSERT INTO unionid_owners (provider, unionid, user_id, created_at)
  SELECT 'wechat', printf('ufiller%021d', i), printf('filler%012d', i), strftime('%s', 'now') FROM seq;
COMMIT;
SQL
    fi
    mint_for_bench_users "$tmp/codes-users.txt" /_sim/wechat/codes "$wechat_appid"
    run_wrk "users-$total" /api/v2/sdk/login/wechat code_login.lua "$auto_client" \
      '"status":"SUCCESS"' "$tmp/codes-users.txt" 0 "$connections"
    vs="-"
    if [ -n "$base_cpu" ]; then
      vs=$(awk -v a="$r_cpu_ms" -v b="$base_cpu" 'BEGIN{printf "%.2fx", a / b}')
    fi
    echo "| $total | $r_good_rps | $r_p50 | $r_p99 | $r_cpu_ms | $vs | $r_flag |" >>"$report"
  done
  echo >>"$report"
fi

# ---------------------------------------------------------------------------------------------
# Extra: a slow upstream. Every WeChat call waits, so logins pile up in flight; the RSS they add
# over the idle server, per connection (each holds one login in flight), is the memory a waiting
# login costs.
if [ -n "$upstream_latency" ]; then
  echo "upstream latency ${upstream_latency} ms, $connections connections..."
  for path in /sns/oauth2/access_token /sns/userinfo; do
    curl -sf -X POST "$sim/_sim/faults" -H 'content-type: application/json' \
      -d "{\"path\":\"$path\",\"latency_ms\":$upstream_latency,\"count\":-1}" >/dev/null
  done
  mint_for_bench_users "$tmp/codes-slow.txt" /_sim/wechat/codes "$wechat_appid"
  idle_kb=$(status_kb VmRSS)
  run_wrk "upstream-latency-$upstream_latency" /api/v2/sdk/login/wechat code_login.lua \
    "$auto_client" '"status":"SUCCESS"' "$tmp/codes-slow.txt" 0 "$connections"
  curl -sf -X DELETE "$sim/_sim/faults" >/dev/null
  per_kib=$(awk -v p="$(awk -v m="$r_peak_mib" 'BEGIN{print m * 1024}')" -v i="$idle_kb" \
    -v c="$connections" 'BEGIN{printf "%.1f", (p - i) / c}')
  {
    echo "## Scenario 1 with ${upstream_latency} ms upstream latency, $connections connections"
    echo
    echo "| good req/s | p50 ms | p99 ms | max ms | server CPU ms/req | idle RSS MiB | peak RSS MiB | KiB per in-flight login | result |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    echo "| $r_good_rps | $r_p50 | $r_p99 | $r_max | $r_cpu_ms | $(awk -v k="$idle_kb" 'BEGIN{printf "%.1f", k / 1024}') | $r_peak_mib | $per_kib | $r_flag |"
    echo
  } >>"$report"
fi

# ---------------------------------------------------------------------------------------------
# Extra: idle keep-alive connections. A bash process opens them (/dev/tcp) and holds them; the
# server's RSS is read before and once it has accepted them all.
if [ -n "$idle_connections" ]; then
  echo "opening $idle_connections idle connections..."
  before_kb=$(status_kb VmRSS)
  fds_before=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  bash -c 'for _ in $(seq "$1"); do exec {fd}<>"/dev/tcp/127.0.0.1/$2" || exit 1; done
           echo opened; exec sleep 600' _ "$idle_connections" "$server_port" >"$tmp/idle.out" 2>&1 &
  holder=$!
  pids+=("$holder")
  for _ in $(seq 300); do
    grep -q opened "$tmp/idle.out" 2>/dev/null && break
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1  # the server accepts asynchronously; let its accept loop catch up
  fds_now=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  with_kb=$(status_kb VmRSS)
  accepted=$((fds_now - fds_before))
  kill "$holder" 2>/dev/null || true
  {
    echo "## $idle_connections idle keep-alive connections"
    echo
    echo "| server RSS idle MiB | with the connections MiB | connections the server holds | KiB per connection |"
    echo "|---:|---:|---:|---:|"
    echo "| $(awk -v k="$before_kb" 'BEGIN{printf "%.1f", k / 1024}') | $(awk -v k="$with_kb" 'BEGIN{printf "%.1f", k / 1024}') | $accepted | $(awk -v a="$with_kb" -v b="$before_kb" -v n="$accepted" 'BEGIN{ if (n > 0) printf "%.2f", (a - b) / n; else print "-" }') |"
    if ! grep -q opened "$tmp/idle.out"; then
      echo
      echo "The holder could not open all connections: $(head -1 "$tmp/idle.out")"
    fi
    echo
  } >>"$report"
fi

if [ ${#notes[@]} -gt 0 ]; then
  { echo "Notes:"; for n in "${notes[@]}"; do echo "- $n"; done; echo; } >>"$report"
fi

cp "$report" "$results_dir/$stamp-$host.md"
cp "$tmp/ciamd.toml" "$raw_dir/ciamd.toml"
echo
cat "$report"
echo "written: bench/results/$stamp-$host.md (raw wrk outputs in bench/results/$stamp-$host/)"
