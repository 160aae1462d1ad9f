#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, entirely inside one directory: no service, no
# system cluster, nothing left behind after `stop`.
#
#   scripts/pg-cluster.sh start DIR    initdb into DIR/data, start on 127.0.0.1 on a free port,
#                                      write the URL to DIR/url and print it
#   scripts/pg-cluster.sh stop DIR     stop the server and remove DIR (fine if neither exists)
#   scripts/pg-cluster.sh restart DIR  restart on the same port (for tests of a database outage)
#   scripts/pg-cluster.sh halt DIR     stop the server but keep DIR, so `resume` can bring it back
#   scripts/pg-cluster.sh resume DIR   start a halted server again on the same port, same data
#   scripts/pg-cluster.sh url DIR      print the URL
#
# The superuser is `postgres`, authentication is trust on loopback only, so the URL is
# postgresql://postgres@127.0.0.1:PORT/postgres. PG_BINDIR overrides the server binaries' directory
# (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

# PostgreSQL refuses to run as root, so root runs it as this unprivileged system user.
pg_user=ciamd-pg
# Written into DIR on start: `stop` removes only directories that carry it, so a mistyped DIR
# cannot delete anything else.
marker=.ciamd-pg-cluster

usage() {
  echo "usage: $0 start|stop|restart|halt|resume|url DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
[ -n "$dir" ] || usage
# Absolute: postgres and pg_ctl run with DIR as their working directory.
case "$dir" in
  /*) ;;
  *) dir="$PWD/$dir" ;;
esac
# Where the server's own files go (data, log, socket): DIR itself, unless the unprivileged user
# cannot reach it (root's `mktemp -d` makes 0700 directories): then a directory of the user's own
# under /tmp, named in DIR/home and removed with DIR.
home="$dir"
set_home() {
  home=$1
  data="$home/data"
  log="$home/postgres.log"
}
if [ -f "$dir/home" ]; then set_home "$(cat "$dir/home")"; else set_home "$dir"; fi

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    echo "$PG_BINDIR"
    return
  fi
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$newest" ] || [ ! -x "$newest/pg_ctl" ]; then
    echo "pg-cluster: no PostgreSQL server under /usr/lib/postgresql (scripts/install-deps.sh" \
      "installs it)" >&2
    exit 1
  fi
  echo "$newest"
}

# Runs a command as the user that owns the cluster: root hands it to $pg_user, anyone else runs it
# as themselves.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$home" && setpriv --reuid="$pg_user" --regid="$pg_user" --init-groups \
      env HOME="$home" "$@")
  else
    (cd "$home" && "$@")
  fi
}

ensure_pg_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  getent passwd "$pg_user" >/dev/null ||
    useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$pg_user"
}

# A stopped server, and no DIR. Tolerates a missing DIR, a stopped server and a stale pid file.
do_stop() {
  [ -e "$dir" ] || return 0
  if [ ! -e "$dir/$marker" ] && [ -n "$(ls -A "$dir")" ]; then
    echo "pg-cluster: $dir is not a cluster directory made by this script; not removing it" >&2
    exit 1
  fi
  if [ -f "$data/postmaster.pid" ]; then
    local bindir
    bindir=$(find_bindir)
    # fast: roll back open transactions and disconnect; the tests' data is not worth waiting
    # for. immediate is the fallback for a server that does not shut down in time.
    as_pg "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null 2>&1 ||
      as_pg "$bindir/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 || true
    if as_pg "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1; then
      echo "pg-cluster: the server in $data does not stop" >&2
      exit 1
    fi
  fi
  if [ "$home" != "$dir" ] && [ -e "$home/$marker" ]; then rm -rf "$home"; fi
  rm -rf "$dir"
}

# Port conflicts are the one start failure worth retrying: another process took the port between
# our pick and postgres binding it.
port_in_use() {
  grep -q -e 'could not bind' -e 'Address already in use' -e 'could not create any TCP/IP' "$log"
}

do_start() {
  local bindir
  bindir=$(find_bindir)
  # A run that was killed leaves its cluster running; it would hold a port and a few hundred MB.
  do_stop
  set_home "$dir"
  mkdir -p "$dir"
  touch "$dir/$marker"
  ensure_pg_user
  if [ "$(id -u)" -eq 0 ]; then
    chown "$pg_user:" "$dir"
    if ! setpriv --reuid="$pg_user" --regid="$pg_user" --init-groups test -w "$dir"; then
      set_home "$(mktemp -d /tmp/ciamd-pg.XXXXXX)"
      touch "$home/$marker"
      chown "$pg_user:" "$home"
      echo "$home" >"$dir/home"
    fi
  fi

  # Locale C: byte-order collation, as SQLite compares text, and no dependence on the locales
  # installed. --no-sync: the cluster is thrown away, durability buys nothing.
  as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }

  # The unix socket path is limited to about 107 bytes; a deep build dir gets TCP only (pg_ctl -w
  # reads readiness from postmaster.pid, it needs no socket).
  local socket_dir="$home"
  if [ $((${#home} + 20)) -gt 100 ]; then socket_dir=""; fi
  cat >>"$data/postgresql.conf" <<EOF

# scripts/pg-cluster.sh: a throwaway cluster for tests. Crash safety is worth nothing here, speed is.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket_dir'
fsync = off
synchronous_commit = off
full_page_writes = off
# Parallel test processes each run a server with a connection pool, plus the tests' own readers.
max_connections = 300
logging_collector = off
include_if_exists 'port.conf'
EOF

  local attempt port
  for attempt in $(seq 1 20); do
    port=$(shuf -i 20000-60000 -n 1)
    # In a file rather than on pg_ctl's command line, so `restart` keeps the port.
    echo "port = $port" >"$data/port.conf"
    chown --reference="$data" "$data/port.conf"
    : >"$log"
    chown --reference="$home" "$log"
    if as_pg "$bindir/pg_ctl" start -D "$data" -l "$log" -w -t 60 >/dev/null 2>&1; then
      local url="postgresql://postgres@127.0.0.1:$port/postgres"
      echo "$url" >"$dir/url"
      echo "$url"
      return 0
    fi
    if ! port_in_use; then break; fi
    echo "pg-cluster: port $port is taken (attempt $attempt), trying another" >&2
  done
  echo "pg-cluster: postgres did not start; $log says:" >&2
  tail -n 30 "$log" >&2 || true
  # Leave no half-started server behind.
  do_stop
  exit 1
}

# pg_ctl ACTION ARGS... on the existing cluster; on failure, the server log's tail says why.
pg_ctl_existing() {
  local action=$1
  shift
  [ -f "$dir/url" ] || {
    echo "pg-cluster: no cluster in $dir" >&2
    exit 1
  }
  local bindir
  bindir=$(find_bindir)
  as_pg "$bindir/pg_ctl" "$action" -D "$data" "$@" -w -t 60 >/dev/null 2>&1 || {
    echo "pg-cluster: $action failed; $log says:" >&2
    tail -n 30 "$log" >&2 || true
    exit 1
  }
}

do_restart() { pg_ctl_existing restart -l "$log" -m fast; }

# An outage that lasts until `resume`: unlike `restart`, the test decides when the server is back,
# so it can look at the node while the database is down.
do_halt() { pg_ctl_existing stop -m fast; }

# The port is in port.conf, so the URL written by `start` holds again. Another process may have
# taken the port meanwhile: then this fails and says so rather than moving to another port.
do_resume() { pg_ctl_existing start -l "$log"; }

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  restart) do_restart ;;
  halt) do_halt ;;
  resume) do_resume ;;
  url)
    cat "$dir/url" 2>/dev/null || {
      echo "pg-cluster: no cluster in $dir" >&2
      exit 1
    }
    ;;
  *) usage ;;
esac
