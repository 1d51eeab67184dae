#!/bin/sh
# containerd-shim-ward-v2: the thin launcher containerd executes (docs/SHIM.md, "Process model").
#
# Node takes ~100 ms to start, about the whole budget of `ctr run --rm`, so this POSIX sh script
# never starts Node on the hot path: `start` hands the request to the long-lived Ward shim daemon
# through its control fifo and prints the address the daemon answers with (the daemon gives the
# pod to a pre-started worker from its warm pool). Anything else (`delete`, `-v`) is rare and runs
# in Node directly. containerd reads stdout and stderr combined, so nothing but the address (or
# an error) may be printed, and nothing started here may keep those pipes open.
set -eu

WARD_LIB=${WARD_LIB:-@WARD_LIB@}
case "$WARD_LIB" in @*) WARD_LIB=$(CDPATH='' cd -- "$(dirname -- "$(readlink -f -- "$0")")/.." && pwd) ;; esac
NODE=${WARD_NODE:-node}
MAIN="$WARD_LIB/shim/main.js"
RUN=${WARD_RUN_DIR:-/run/ward}
START_TIMEOUT=${WARD_START_TIMEOUT:-30}

action="" id="" bundle=""
prev=""
for a in "$@"; do
  case "$prev" in -id|--id) id=$a ;; -bundle|--bundle) bundle=$a ;; esac
  case "$a" in start|delete) action=$a ;; esac
  prev=$a
done

# containerd 1.6 runs `delete` after every shim disconnect, even a clean one, and waits for it:
# when the worker already cleaned the container up (no record, no rootfs mount) the answer is a
# constant DeleteResponse{exit_status: 137} and Node is not started at all.
if [ "$action" = delete ] && [ -n "$id" ]; then
  [ -n "$bundle" ] || bundle=$(pwd)
  if ! ls "$RUN"/pods/*/containers/"$id".json >/dev/null 2>&1 &&
    ! grep -qF " $bundle/rootfs " /proc/self/mountinfo 2>/dev/null; then
    printf '\020\211\001'
    exit 0
  fi
fi
[ "$action" = start ] || exec "$NODE" "$MAIN" "$@"

fail() { printf '%s' "containerd-shim-ward-v2: $*"; exit 1; }

# A process that exists and is not a zombie (a killed daemon may wait long for init to reap it,
# and a zombie reads no fifo).
pid_alive() {
  [ -r "/proc/$1/stat" ] || return 1
  IFS= read -r st <"/proc/$1/stat" || return 1
  st=${st##*) }
  [ "${st%% *}" != Z ]
}

daemon_alive() {
  [ -p "$RUN/ctl.fifo" ] && [ -s "$RUN/daemon.pid" ] && pid_alive "$(cat "$RUN/daemon.pid")"
}

ensure_daemon() {
  daemon_alive && return 0
  mkdir -p "$RUN" && chmod 0700 "$RUN"
  (
    # One launcher starts the daemon; the others wait on the lock and then find it alive.
    flock -w "$START_TIMEOUT" 9 || exit 1
    daemon_alive && exit 0
    rm -f "$RUN/ready"
    # The workers' V8 flags (WORKER_NODE_FLAGS in shim/daemon/pool.ts): the daemon is long-lived
    # and its work is I/O too; with default flags it takes ~2 MB more PSS than it needs.
    setsid "$NODE" --max-semi-space-size=1 --lite-mode --no-expose-wasm --single-threaded "$MAIN" daemon --run-dir "$RUN" \
      </dev/null >>"$RUN/daemon.log" 2>&1 &
    i=0
    while [ ! -e "$RUN/ready" ]; do
      i=$((i + 1)); [ "$i" -gt $((START_TIMEOUT * 50)) ] && exit 1
      sleep 0.02
    done
  ) 9>"$RUN/daemon.lock" || fail "the Ward shim daemon did not start (see $RUN/daemon.log)"
}

ensure_daemon
req=$(mktemp -d "$RUN/req.XXXXXXXX") || fail "cannot create a request directory under $RUN"
watchdog=""
cleanup() {
  [ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
  rm -rf "$req"
}
trap cleanup EXIT
trap 'fail "no answer from the Ward shim daemon within ${START_TIMEOUT}s (see $RUN/daemon.log)"' TERM INT

for a in "$@"; do printf '%s\n' "$a"; done >"$req/args"
{
  printf 'TTRPC_ADDRESS=%s\n' "${TTRPC_ADDRESS:-}"
  printf 'GRPC_ADDRESS=%s\n' "${GRPC_ADDRESS:-}"
  printf 'NAMESPACE=%s\n' "${NAMESPACE:-}"
  printf 'PWD=%s\n' "$(pwd)"
} >"$req/env"
# Runtime options or BootstrapParams, whichever containerd sent; never read from a terminal.
if [ -t 0 ]; then : >"$req/stdin"; else cat >"$req/stdin"; fi
mkfifo -m 0600 "$req/reply"
# Held open read-write so the daemon's non-blocking open for writing always finds a reader.
exec 3<>"$req/reply"
self=$$
( sleep "$START_TIMEOUT"; kill -TERM "$self" ) </dev/null >/dev/null 2>&1 &
watchdog=$!
printf '%s\n' "$req" >"$RUN/ctl.fifo"
IFS= read -r reply <&3 || fail "no answer from the Ward shim daemon"
case "$reply" in
  OK\ *) printf '%s' "${reply#OK }" ;;
  ERR\ *) fail "${reply#ERR }" ;;
  *) fail "bad answer from the Ward shim daemon" ;;
esac
