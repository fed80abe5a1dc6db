#!/usr/bin/env bash
# Set everything up (as scripts/setup.sh), then run the test suite on the real
# models and the recordings in ../shared/eval. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
