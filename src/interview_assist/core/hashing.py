"""The one file hasher: sha256 of a file's bytes, read in blocks (recordings, model weights, exports)."""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK_BYTES = 1 << 22


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file at ``path``; raises ``OSError`` as ``open`` does (callers say what the file is)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(BLOCK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
