# shellcheck shell=bash
# Sourced, never run. Long steps must not wait silently: `with_progress` runs a
# command and says every 15 s that it is still at it, for how long, and how far
# its log has got (the caller says what a log line counts: a compiled Go
# package, a downloaded module, ...).
#
#   with_progress LABEL LOG COUNTS cmd...   # output of cmd goes to LOG
#   with_progress "building the CLI" "$log" "packages and modules" go build -v ...

with_progress() {
  local label="$1" logf="$2" counts="$3"; shift 3
  local t0 pid status
  t0=$(date +%s)
  ( "$@" ) >"$logf" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    # sleep in short steps: a fast command must not cost 15 s
    local i
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
      kill -0 "$pid" 2>/dev/null || break 2
      sleep 1
    done
    printf '[%s] %s: still at it, %ss, %s %s so far (log: %s)\n' \
      "$(date +%H:%M:%S)" "$label" "$(( $(date +%s) - t0 ))" "$(wc -l <"$logf" | tr -d ' ')" "$counts" "$logf" >&2
  done
  wait "$pid" && status=0 || status=$?
  return "$status"
}
