#!/usr/bin/env bash
# Set everything up, then transcribe the bundled sample interview into a
# store under data/ and print where the draft is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p data
db=data/demo.sqlite
sample=examples/interview_v01.flac
# The store is encrypted with the user's store key (made on first use, no
# prompt); a demo store left plain by an older version is encrypted first.
if [ -f "$db" ]; then
  .venv/bin/interview-assist store encrypt --db "$db" >&2
fi
echo "demo: transcribing $sample (4.5 minutes of audio) on this machine..." >&2
summary=$(.venv/bin/interview-assist transcribe "$sample" --db "$db" --json)
id=$(printf '%s' "$summary" | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["id"])')
draft=$(.venv/bin/interview-assist show "$id" --db "$db")
sed -n 1,12p <<<"$draft"
echo "..."
echo
echo "Draft transcript stored as interview $id in $(pwd)/$db"
echo "Read it all with:  .venv/bin/interview-assist show $id --db $db [--format json]"
