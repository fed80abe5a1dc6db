"""Every page of an SQLCipher store (and of its WAL) decrypted by hand, free pages and unused space included.

What ``grep`` would see in the file if it were not encrypted: a row deleted
but not overwritten would still be here, where a query (or sqlcipher_export)
no longer shows it. SQLCipher 4's layout: 4096-byte pages, each ending in 80
reserved bytes (a 16-byte IV, then a 64-byte HMAC), encrypted with AES-256-CBC
under the raw key; the first page starts with the 16-byte salt, unencrypted.
A WAL file has a 32-byte header, then frames of a 24-byte header and a page.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 80


def _page(page: bytes, key: bytes, *, first: bool) -> bytes:
    body = page[16 if first else 0: PAGE - RESERVE]
    iv = page[PAGE - RESERVE: PAGE - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def decrypted(path: Path, key: bytes) -> bytes:
    """The pages of the store file at ``path`` and of its -wal file, if any, decrypted and joined."""
    data = path.read_bytes()
    out = [_page(data[i: i + PAGE], key, first=i == 0) for i in range(0, len(data) - PAGE + 1, PAGE)]
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        frames = wal.read_bytes()
        for i in range(32, len(frames) - (24 + PAGE) + 1, 24 + PAGE):
            number = int.from_bytes(frames[i: i + 4], "big")
            out.append(_page(frames[i + 24: i + 24 + PAGE], key, first=number == 1))
    return b"".join(out)


def raw(path: Path) -> bytes:
    """The bytes of the store file and its -wal file, as they are on disk."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
