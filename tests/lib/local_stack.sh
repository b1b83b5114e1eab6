# Shared by the shell tests that run `pingwatch local` as a process. Source it after `set -euo pipefail`:
#   . "$(dirname "$0")/../lib/local_stack.sh"
# It provides BIN, WORK (removed at exit), fail, ok/passed, and start ARGS... (sets STACK_PID and URL);
# the stack started last is killed at exit.
BIN=${PINGWATCH_BIN:?PINGWATCH_BIN must point at the pingwatch binary}
WORK=$(mktemp -d)
STACK_PID=
cleanup() { [ -n "$STACK_PID" ] && kill "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }

start() {   # start ARGS...: `pingwatch local --port 0 ARGS...`; sets STACK_PID and URL once it listens
  "$BIN" local --port 0 "$@" >"$WORK/stack.out" 2>"$WORK/stack.err" &
  STACK_PID=$!
  URL=
  for _ in $(seq 1 300); do
    URL=$(sed -n 's/^pingwatch local listening on \(http:[^ ]*\)$/\1/p' "$WORK/stack.out")
    [ -n "$URL" ] && return 0
    kill -0 "$STACK_PID" 2>/dev/null || { cat "$WORK/stack.err" >&2; fail "stack exited"; }
    sleep 0.1
  done
  fail "stack did not print its URL"
}
