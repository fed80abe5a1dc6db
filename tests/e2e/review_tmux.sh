#!/usr/bin/env bash
# The review screen in a real terminal: tmux at 80x24, keys sent as a person types them.
# Usage: tests/e2e/review_tmux.sh DB INTERVIEW_ID   (prints the screens; exit 1 on a failed check)
set -euo pipefail
db=$1; id=$2
here=$(cd "$(dirname "$0")/../.." && pwd)
session="ia-review-$$"
cli="$here/.venv/bin/interview-assist"
# A tmux server of its own: a server already running (another user of this account's) would start the
# app with that server's environment, not this one's (the store's key, the models).
tmux() { command tmux -L "$session" "$@"; }
trap 'tmux kill-server 2>/dev/null || true' EXIT

# A tmux server already running (another user's session) has its own environment: the keys' places are passed on.
keys=$(printf '%q ' "INTERVIEW_ASSIST_KEY_FILE=${INTERVIEW_ASSIST_KEY_FILE:-}" "INTERVIEW_ASSIST_SIGNING_KEY=${INTERVIEW_ASSIST_SIGNING_KEY:-}" \
  "INTERVIEW_ASSIST_OFFICERS_DIR=${INTERVIEW_ASSIST_OFFICERS_DIR:-}")
tmux new-session -d -s "$session" -x 80 -y 24 "env $keys INTERVIEW_ASSIST_OFFICER=officer.tmux $cli review $id --db $db"
screen() { sleep "${1:-1.5}"; tmux capture-pane -p -t "$session"; }
expect() { local s; s=$(screen "${2:-1.5}"); echo "$s"; echo "----"; grep -qE -- "$1" <<<"$s" || { echo "e2e: expected '$1' on screen" >&2; exit 1; }; }

expect "Reviewing interview $id as officer.tmux" 3
tmux send-keys -t "$session" -l "wrong passphrase"   # a wrong passphrase: one line, and the officer tries again
tmux send-keys -t "$session" Enter
expect "wrong passphrase for officer officer.tmux's key; try again"
tmux send-keys -t "$session" -l "$INTERVIEW_ASSIST_OFFICER_PASSPHRASE"
tmux send-keys -t "$session" Enter
expect "validated 0 / "
tmux send-keys -t "$session" v
expect "open flag"
tmux send-keys -t "$session" c
expect "needs its audio"          # a flagged segment is decided only once heard, or with a reason
tmux send-keys -t "$session" p
expect "playback failed|played " 4  # no sound device here: the player's failure is shown (with one: played)
tmux send-keys -t "$session" h
expect "Why decide segment"
tmux send-keys -t "$session" "I conducted this interview; recalled" Enter
expect "reason recorded"
tmux send-keys -t "$session" c
expect "confirmed as heard"
tmux send-keys -t "$session" n
expect "⚑"
tmux send-keys -t "$session" '?'
expect "Keys"
tmux send-keys -t "$session" Escape
expect "validated 0 / "   # (a q sent right after Escape would read as Alt+q)
tmux send-keys -t "$session" q
for _ in 1 2 3 4 5 6; do tmux has-session -t "$session" 2>/dev/null || break; sleep 0.5; done
tmux has-session -t "$session" 2>/dev/null && { echo "e2e: the app did not quit" >&2; exit 1; }
echo "e2e: ok"
