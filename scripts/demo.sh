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
# A demo officer, with no prompt: a generated passphrase kept beside the demo
# store (a demo only: a real officer's passphrase is theirs alone).
if [ ! -f data/demo-officer.passphrase ]; then
  (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))' > data/demo-officer.passphrase)
fi
if ! .venv/bin/interview-assist officers list --db "$db" 2>/dev/null | grep -q '^demo-officer: .* standing$'; then
  INTERVIEW_ASSIST_OFFICERS_DIR=data/demo-officers .venv/bin/interview-assist officers add demo-officer \
    --passphrase-file data/demo-officer.passphrase --db "$db" >&2
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
echo "Review it as the demo officer:  INTERVIEW_ASSIST_OFFICERS_DIR=data/demo-officers .venv/bin/interview-assist review $id --db $db --officer demo-officer"
echo "  (its passphrase, a demo's, is in data/demo-officer.passphrase)"
