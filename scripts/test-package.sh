#!/usr/bin/env bash
# The Debian package, end to end on this machine: builds it (scripts/package-deb.sh), installs it,
# checks its files, user, directories and systemd unit, sets it up as an operator would (a master
# key; CIAMD_* overrides in /etc/ciamd/environment pointing it at the upstream simulator), starts
# the server, logs in once with WeChat, upgrades it in place (postinst runs `ciamd migrate`), stops
# it and purges it. Whatever happens, the machine is left as it was: the package, its user, its
# directories and every process this script started are removed (trap).
#
# Without systemd as PID 1 (containers, CI sandboxes) the unit is checked with
# `systemd-analyze verify` and the server is started the way the unit would start it: its
# ExecStart, as its user, in its WorkingDirectory, with its EnvironmentFile, umask, no new
# privileges and no capabilities. With systemd, through systemctl.
#
# Needs root (dpkg), or sudo. Refuses to run where ciamd is installed for real. Run by
# scripts/test.sh after the other tests; alone: bash scripts/test-package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

build_dir=${CIAMD_PACKAGE_BUILD_DIR:-build-release-all}
export CIAMD_PACKAGE_BUILD_DIR="$build_dir"
step() { printf '[package test %3ds] %s\n' "$SECONDS" "$*"; }
fail() { echo "package test FAILED: $*" >&2; exit 1; }

# What this script creates, so that cleanup removes that and nothing else. A run killed before its
# cleanup leaves the marker behind, and the next run removes its leftovers first.
marker=/var/tmp/ciamd-package-test.state
unit=/lib/systemd/system/ciamd.service
user_existed=0

step "building the package"
deb=$(bash scripts/package-deb.sh | tail -1)
[ -f "$deb" ] || fail "no package was built"
cmake --build "$build_dir" -j"$(nproc)" --target idp-sim >/dev/null
version=$(head -1 VERSION)

systemd_running() { [ -d /run/systemd/system ]; }

remove_everything() {
  if systemd_running; then $SUDO systemctl stop ciamd.service 2>/dev/null || true; fi
  if dpkg-query -W -f='${Status}' ciamd 2>/dev/null | grep -qv "not-installed"; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ciamd >/dev/null 2>&1 || true
  fi
  # What the package keeps on purge (postrm says why), as docs/deployment.md tells an operator
  # to remove it.
  $SUDO rm -rf /var/lib/ciamd /etc/ciamd
  local existed=1
  if [ -f "$marker" ]; then existed=$(sed -n 's/^user_existed=//p' "$marker"); fi
  if [ "$existed" = 0 ] && getent passwd ciamd >/dev/null; then
    $SUDO userdel ciamd || echo "package test: could not remove the ciamd user" >&2
    if getent group ciamd >/dev/null; then $SUDO groupdel ciamd 2>/dev/null || true; fi
  fi
  $SUDO rm -f "$marker"
}

if [ -f "$marker" ]; then
  step "removing what an interrupted run left"
  remove_everything
fi
if dpkg-query -W -f='${Status}' ciamd 2>/dev/null | grep -qv "not-installed" ||
    [ -e /etc/ciamd ] || [ -e /var/lib/ciamd ]; then
  fail "ciamd is installed on this machine (or /etc/ciamd or /var/lib/ciamd exist); this test" \
       "installs and purges the package, so it runs only where there is none"
fi
if getent passwd ciamd >/dev/null; then user_existed=1; fi
echo "user_existed=$user_existed" | $SUDO tee "$marker" >/dev/null

work=$(mktemp -d /tmp/ciamd-package-test.XXXXXX)
sim_pid=""
server_pid=""
cleanup() {
  local status=$?
  if [ -n "$server_pid" ]; then $SUDO kill "$server_pid" 2>/dev/null || true; fi
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] && { echo "--- $log"; tail -n 40 "$log"; } >&2
    done
  fi
  remove_everything
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "installing $deb"
# apt-get rather than dpkg -i: it checks the Depends line against the archive's packages.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "$(realpath "$deb")" >"$work/install.log" 2>&1 || fail "apt-get install (see $work/install.log)"

step "checking files, user, directories and unit"
for f in /usr/bin/ciamd /etc/ciamd/ciamd.toml "$unit" /usr/share/doc/ciamd/copyright \
    /usr/share/doc/ciamd/NOTICE /usr/share/doc/ciamd/docs/configuration.md; do
  [ -f "$f" ] || fail "$f is not installed"
done
dpkg-query -W -f='${Conffiles}\n' ciamd | grep -q '^ /etc/ciamd/ciamd.toml ' ||
  fail "/etc/ciamd/ciamd.toml is not a conffile"
/usr/bin/ciamd --version | grep -q "^ciamd $version (commit " || fail "ciamd --version"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd ciamd) || fail "no ciamd user"
[ "$uid" -lt 1000 ] || fail "ciamd is not a system user (uid $uid)"
[ "$shell" = /usr/sbin/nologin ] || fail "ciamd's shell is $shell"
[ "$home" = /var/lib/ciamd ] || fail "ciamd's home is $home"
[ "$(stat -c '%U:%G %a' /etc/ciamd)" = "root:ciamd 750" ] || fail "/etc/ciamd: $(stat -c '%U:%G %a' /etc/ciamd)"
[ "$(stat -c '%U:%G %a' /var/lib/ciamd)" = "ciamd:ciamd 750" ] ||
  fail "/var/lib/ciamd: $(stat -c '%U:%G %a' /var/lib/ciamd)"
# Installed, not enabled, not started: nothing runs before the operator has configured it.
[ ! -e /etc/systemd/system/multi-user.target.wants/ciamd.service ] || fail "the unit is enabled"
for proc in /proc/[0-9]*; do
  if [ "$(stat -c %U "$proc" 2>/dev/null)" = ciamd ]; then
    fail "something runs as ciamd after the install"
  fi
done
systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || fail "systemd-analyze verify: $(cat "$work/verify.log")"
for directive in "User=ciamd" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
    "NoNewPrivileges=yes" "StateDirectory=ciamd" "ConfigurationDirectory=ciamd" \
    "CapabilityBoundingSet=" "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
    "SystemCallFilter=@system-service"; do
  grep -qx "$directive" "$unit" || fail "the unit lacks $directive"
done

step "starting the upstream simulator"
appid=wxd00000000000pk
secret=package-test-secret
"$build_dir/bin/idp-sim" --listen 127.0.0.1:0 --https-listen 127.0.0.1:0 --tls-dir "$work/tls" \
  --ready-file "$work/sim.ready" --wechat-app "$appid:$secret" >"$work/idp-sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/sim.ready" ] && break; sleep 0.1; done
[ -s "$work/sim.ready" ] || fail "the simulator did not start"
sim_http=$(jq -r .http_port "$work/sim.ready")
sim_https=$(jq -r .https_port "$work/sim.ready")
SIM="http://127.0.0.1:$sim_http"

step "setting it up as an operator would: master key, environment file"
# The steps docs/deployment.md gives. The simulator's CA goes to /etc/ciamd too: under the unit,
# PrivateTmp= hides this script's /tmp from the server.
$SUDO sh -c '(umask 027 && /usr/bin/ciamd master-key > /etc/ciamd/master.key)'
$SUDO chgrp ciamd /etc/ciamd/master.key
$SUDO install -m 0640 -g ciamd "$work/tls/ca.pem" /etc/ciamd/upstream-ca.pem
# Port 0: free ports, read back from the server's log.
$SUDO tee /etc/ciamd/environment >/dev/null <<ENV
CIAMD_SERVER_LISTEN=127.0.0.1:0
CIAMD_ADMIN_LISTEN=127.0.0.1:0
CIAMD_UPSTREAM_WECHAT_BASE_URL=https://127.0.0.1:$sim_https
CIAMD_UPSTREAM_CA_FILE=/etc/ciamd/upstream-ca.pem
ENV
$SUDO chmod 0600 /etc/ciamd/environment

# A command run as the unit runs its ExecStart: user, directory, environment file, umask, no new
# privileges, no capabilities. It replaces the calling shell (every `exec` down to the command),
# so call it in a subshell; started with `&`, $! is then the server's own process id.
as_unit() {
  local workdir
  workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
  exec $SUDO bash -c 'cd "$1" && umask 077 && set -a && . /etc/ciamd/environment && set +a &&
    shift && exec setpriv --reuid=ciamd --regid=ciamd --init-groups --no-new-privs \
      --inh-caps=-all --bounding-set=-all -- "$@"' _ "$workdir" "$@"
}

if systemd_running; then
  step "starting the server with systemctl"
  $SUDO systemctl start ciamd.service
  server_log() { $SUDO journalctl -u ciamd.service -o cat --no-pager; }
else
  step "starting the server as the unit would (systemd is not PID 1 here): its ExecStart as ciamd"
  read -r -a exec_start < <(sed -n 's/^ExecStart=//p' "$unit")
  as_unit "${exec_start[@]}" >"$work/ciamd.log" 2>&1 &
  server_pid=$!
  server_log() { cat "$work/ciamd.log"; }
fi
port="" admin_port=""
for _ in $(seq 150); do
  port=$(server_log | sed -n 's/.*ciamd listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' | tail -1)
  admin_port=$(server_log | sed -n 's/.*health and metrics on 127\.0\.0\.1:\([0-9]*\).*/\1/p' | tail -1)
  [ -n "$port" ] && [ -n "$admin_port" ] && break
  sleep 0.2
done
[ -n "$port" ] && [ -n "$admin_port" ] || fail "the server did not start: $(server_log | tail -5)"
ADMIN="http://127.0.0.1:$admin_port"
curl -sf --max-time 5 "$ADMIN/health/ready" | jq -e '.status == "ready"' >/dev/null ||
  fail "not ready"
curl -sf --max-time 5 "$ADMIN/health/live" | jq -e --arg v "$version" '.version == $v' \
  >/dev/null || fail "/health/live does not say $version"
curl -sf --max-time 5 "$ADMIN/metrics" >"$work/metrics.txt" || fail "/metrics"
grep -q "^ciamd_build_info{version=\"$version\"," "$work/metrics.txt" ||
  fail "no ciamd_build_info metric"
# The server writes only where the unit lets it: the database is in the state directory.
[ "$($SUDO stat -c %U /var/lib/ciamd/ciamd.db)" = ciamd ] || fail "no database in /var/lib/ciamd"

step "logging in with WeChat through the simulator"
client_id=PackageTestApp000000000000000001
(as_unit /usr/bin/ciamd --config /etc/ciamd/ciamd.toml app create --client-id "$client_id" \
  --name "Package test" --unbound auto_create --wechat-appid "$appid" --wechat-secret "$secret") \
  >/dev/null
curl -sf --max-time 5 -X POST "$SIM/_sim/wechat/users" -H 'content-type: application/json' \
  -d '{"user_key":"pkg-user","nickname":"Package"}' >/dev/null
code=$(curl -sf --max-time 5 -X POST "$SIM/_sim/wechat/codes" -H 'content-type: application/json' \
  -d "{\"appid\":\"$appid\",\"user_key\":\"pkg-user\"}" | jq -r .code)
curl -s --max-time 10 -X POST "http://127.0.0.1:$port/api/v2/sdk/login/wechat" \
  -H 'content-type: application/json' -H 'X-operating-sys-version: iOS 17.4' \
  -H 'X-device-fingerprint: package-test' -H 'X-agent: curl' -H "X-client-id: $client_id" \
  -d "{\"code\":\"$code\"}" >"$work/login.json"
jq -e '.status == "SUCCESS" and (.id_token | length > 0)' "$work/login.json" >/dev/null ||
  fail "login: $(cat "$work/login.json")"

step "stopping the server"
if systemd_running; then
  $SUDO systemctl stop ciamd.service
else
  $SUDO kill -TERM "$server_pid"
  wait "$server_pid" || fail "the server exited $? on SIGTERM"
  server_pid=""
fi
server_log >"$work/server-final.log"
grep -q "stopped: drained" "$work/server-final.log" || fail "the server did not drain"

step "upgrading in place: postinst runs ciamd migrate"
$SUDO env DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$work/upgrade.log" 2>&1 ||
  fail "dpkg -i over the installed package (see $work/upgrade.log)"
grep -q "^schema version [0-9]" "$work/upgrade.log" || fail "postinst did not migrate: $(cat "$work/upgrade.log")"

step "purging"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq ciamd >"$work/purge.log" 2>&1 ||
  fail "apt-get purge (see $work/purge.log)"
for f in /usr/bin/ciamd /etc/ciamd/ciamd.toml "$unit"; do
  [ ! -e "$f" ] || fail "$f is still there after the purge"
done
# Kept on purge by design (postrm): the database and the master key.
$SUDO test -e /var/lib/ciamd/ciamd.db && $SUDO test -e /etc/ciamd/master.key ||
  fail "the purge removed the database or the master key"

step "passed ($(basename "$deb"))"
