#!/usr/bin/env bash
# Every command refuses an unknown config key (from --set, a named flag or the --config file) with exit 2,
# naming the nearest valid key, and refuses a chosen AWS profile that does not exist (as botocore does),
# even with keys in the environment. Nothing here reaches the network: all of it fails before any call.
set -u
bin="${PINGWATCH_BIN:?set PINGWATCH_BIN}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

export HOME="$work" AWS_CONFIG_FILE="$work/config" AWS_SHARED_CREDENTIALS_FILE="$work/credentials"
export AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=secret AWS_REGION=us-east-1
unset AWS_PROFILE AWS_DEFAULT_PROFILE PINGWATCH_CONFIG
endpoint=(--endpoint-url http://127.0.0.1:9)
topic=arn:aws:sns:us-east-1:123456789012:SSM-Ping

expect_exit2() {   # expect_exit2 NEEDLE DESCRIPTION -- COMMAND...
  local needle="$1" what="$2"
  shift 3
  local err rc
  err="$(timeout 30 "$@" 2>&1 >/dev/null)"
  rc=$?
  [ "$rc" -eq 2 ] || fail "$what: exit $rc, expected 2 ($err)"
  case "$err" in *"$needle"*) ;; *) fail "$what: stderr lacks '$needle': $err" ;; esac
}

topic_of() { [ "$1" = publish ] || printf '%s\n' --topic-arn "$topic"; }   # publish has no --topic-arn
for cmd in publish sync-alarms cycle run; do
  mapfile -t t < <(topic_of "$cmd")
  expect_exit2 "did you mean alarm.period?" "$cmd --set alarm.perod" -- \
    "$bin" "$cmd" "${endpoint[@]}" "${t[@]}" --set alarm.perod=60
done
expect_exit2 "did you mean alarm.period?" "watch --set alarm.perod" -- \
  "$bin" watch "${endpoint[@]}" --topic-arn "$topic" --state "$work/w.db" --set alarm.perod=60
expect_exit2 "did you mean watch.interval?" "watch --set watch.intervl" -- \
  "$bin" watch "${endpoint[@]}" --state "$work/w.db" --set watch.intervl=30
expect_exit2 "did you mean watch.interval?" "run --set watch.intervl" -- \
  "$bin" run "${endpoint[@]}" --jobs watch --set watch.intervl=30

printf '[alarm]\nperod = 60\n' > "$work/alarm.toml"
for cmd in publish sync-alarms cycle run watch; do
  mapfile -t t < <(topic_of "$cmd")
  expect_exit2 "did you mean alarm.period?" "$cmd --config with [alarm] perod" -- \
    "$bin" "$cmd" "${endpoint[@]}" "${t[@]}" --config "$work/alarm.toml"
done
printf '[watch]\nintervl = 30\n' > "$work/watch.toml"
expect_exit2 "did you mean watch.interval?" "run --config with [watch] intervl" -- \
  "$bin" run "${endpoint[@]}" --jobs watch --config "$work/watch.toml"

# A chosen profile that does not exist: refused although AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set.
for cmd in publish watch status; do
  extra=()
  [ "$cmd" = watch ] && extra=(--state "$work/w.db")
  expect_exit2 "The config profile (nope) could not be found" "AWS_PROFILE=nope $cmd" -- \
    env AWS_PROFILE=nope "$bin" "$cmd" "${endpoint[@]}" "${extra[@]}"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok: unknown keys and missing profiles refused with exit 2 by every command"
