#!/usr/bin/env bash
# Set everything up, then transcribe the bundled sample interview into a
# store under data/ and print where the draft is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p data
db=data/demo.sqlite
sample=examples/interview_v01.flac
echo "demo: transcribing $sample (about 4.5 minutes of audio) on this machine..." >&2
.venv/bin/interview-assist transcribe "$sample" --db "$db"
