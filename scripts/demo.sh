#!/usr/bin/env bash
# Runs ciamd with its embedded defaults: SQLite, three demo applications and the WeChat and Weibo
# simulator (over HTTPS, with a throwaway CA the server is told to trust). Ctrl-C stops both.
#
# Ports (override by environment): server 8080, simulator control/HTTP 9100, simulator HTTPS 9443.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
build_dir=build-release
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCIAMD_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target ciamd idp-sim

state=var/demo
mkdir -p "$state"
export CIAMD_SERVER_LISTEN="127.0.0.1:${CIAMD_DEMO_PORT:-8080}"
export CIAMD_TOKENS_ISSUER="http://127.0.0.1:${CIAMD_DEMO_PORT:-8080}"
export CIAMD_UPSTREAM_WECHAT_BASE_URL="https://127.0.0.1:${CIAMD_DEMO_SIM_HTTPS_PORT:-9443}"
export CIAMD_UPSTREAM_WEIBO_BASE_URL="https://127.0.0.1:${CIAMD_DEMO_SIM_HTTPS_PORT:-9443}"
export CIAMD_CONFIG=config/demo.toml

# A master key of the demo's own, made once; a real deployment keeps its key out of the tree.
if [ ! -s "$state/master.key" ]; then
  (umask 077 && "$build_dir/bin/ciamd" master-key > "$state/master.key")
fi

demo_appid=wxd0000000000de0
demo_secret=demo-wechat-app-secret
mini_appid=wxd0000000000de1
mini_secret=demo-miniprogram-secret
weibo_app_key=1352222456
weibo_secret=demo-weibo-secret
rm -f "$state/sim-ready.json"
"$build_dir/bin/idp-sim" --listen "127.0.0.1:${CIAMD_DEMO_SIM_PORT:-9100}" \
  --https-listen "127.0.0.1:${CIAMD_DEMO_SIM_HTTPS_PORT:-9443}" --tls-dir "$state/tls" \
  --ready-file "$state/sim-ready.json" --wechat-app "$demo_appid:$demo_secret" \
  --wechat-app "$mini_appid:$mini_secret" --weibo-app "$weibo_app_key:$weibo_secret" \
  > "$state/idp-sim.log" 2>&1 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$state/sim-ready.json" ] && break; sleep 0.1; done
[ -s "$state/sim-ready.json" ] || { echo "the simulator did not start; see $state/idp-sim.log"; exit 1; }

ciamd="$build_dir/bin/ciamd"
"$ciamd" migrate
create_app() {  # client_id name unbound mfa
  local providers=(--wechat-appid "$demo_appid" --wechat-secret "$demo_secret"
                   --miniprogram-appid "$mini_appid" --miniprogram-secret "$mini_secret"
                   --weibo-app-key "$weibo_app_key")
  if "$ciamd" app show "$1" >/dev/null 2>&1; then
    "$ciamd" app update "$1" "${providers[@]}" >/dev/null  # a demo database from an older release
  else
    "$ciamd" app create --client-id "$1" --name "$2" --unbound "$3" --mfa "$4" \
      "${providers[@]}" >/dev/null
  fi
}
create_app nTo1eRIub60vPb54WeE6aojPwYwImtl4 "Demo app (creates users)" auto_create off
create_app DemoRegisterApp00000000000000001 "Demo app (register flow)" register off
create_app DemoMfaApp0000000000000000000001 "Demo app (second factor)" register always

cat <<MSG
ciamd demo: server http://127.0.0.1:${CIAMD_DEMO_PORT:-8080}, simulator http://127.0.0.1:${CIAMD_DEMO_SIM_PORT:-9100}
  WeChat app appid $demo_appid, mini program appid $mini_appid, Weibo app key $weibo_app_key;
  client ids nTo1eRIub60vPb54WeE6aojPwYwImtl4 (auto_create), DemoRegisterApp00000000000000001
  (register), DemoMfaApp0000000000000000000001 (register, second factor always).
  See README.md for the curl lines. Ctrl-C stops.
MSG
"$ciamd" serve
