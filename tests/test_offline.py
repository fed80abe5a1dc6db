"""A full run opens no network socket: blocked, and checked at the system-call level.

The command runs in a network namespace of its own with no interface up, so
any connection would fail, and under ``strace``, which sees every
``socket()`` and ``connect()`` of the process, its threads and children,
including those made by C++ libraries (onnxruntime, ctranslate2) that
Python-level guards cannot see. Control runs prove both the block and the
detector work.

One kind of socket is tolerated, and counted exactly: urllib3 (imported by
pyannote.audio through huggingface_hub) checks at import whether the system
supports IPv6 by binding a socket to ``::1`` and closing it. That socket is
bound to loopback only and never connects or sends; every other inet
``socket()``, any ``connect()``/``sendto()``/``sendmsg()`` to an inet address,
any bind to a non-loopback address, and any listen() fails the test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from .conftest import REPO

INET_SOCKET = re.compile(r"\bsocket\((AF_INET|AF_INET6|PF_INET|PF_INET6)\b")
INET_ADDRESS = re.compile(r"sa_family=AF_INET6?\b")
LOOPBACK = re.compile(r'inet_(pton|addr)\((AF_INET6, )?"(::1|127\.0\.0\.1)"')


def _no_network() -> list[str]:
    """A prefix that runs a command with no network at all (root only)."""
    if os.geteuid() == 0 and shutil.which("unshare"):
        return ["unshare", "--net"]
    return []


def _network_calls(tmp_path, argv):
    """(the finished command, its network calls): inet sockets, and listen() on a socket of any family."""
    trace = tmp_path / "trace.txt"
    done = subprocess.run(
        [*_no_network(), "strace", "-f", "-qq", "-e", "trace=socket,bind,connect,sendto,sendmsg,listen", "-o", str(trace),
         *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    lines = trace.read_text().splitlines()
    sockets = [line for line in lines if INET_SOCKET.search(line)]
    loopback_binds = [
        line for line in lines if " bind(" in f" {line.split(maxsplit=1)[-1]}" and INET_ADDRESS.search(line)
        and LOOPBACK.search(line)
    ]
    calls = [
        line for line in lines
        if INET_ADDRESS.search(line) and not (line in loopback_binds)
    ]
    # Each tolerated socket is accounted for by its loopback-only bind.
    calls += sockets[len(loopback_binds):]
    calls += [line for line in lines if " listen(" in f" {line.split(maxsplit=1)[-1]}"]
    return done, calls


@pytest.fixture(autouse=True)
def _need_strace():
    if shutil.which("strace") is None:
        pytest.fail("strace is needed to prove the absence of network calls (apt-get install strace)")


def test_detector_sees_a_real_connection(tmp_path):
    code = "import socket\ns = socket.socket()\ntry:\n    s.connect(('127.0.0.1', 9))\nexcept OSError:\n    pass\n"
    _, calls = _network_calls(tmp_path, [sys.executable, "-c", code])
    assert calls, "the strace detector missed a real connect()"


def test_detector_sees_a_listener_of_any_family(tmp_path):
    code = f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.bind({str(tmp_path / 'l.sock')!r})\ns.listen()\n"
    done, calls = _network_calls(tmp_path, [sys.executable, "-c", code])
    assert done.returncode == 0, done.stderr
    assert [c for c in calls if "listen(" in c], "the strace detector missed a listen()"


def test_network_is_blocked_in_the_test_namespace():
    if not _no_network():
        pytest.skip("blocking needs root and unshare; the strace check still runs")
    code = "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 9), timeout=2)\nexcept OSError as e:\n    print(e.errno)\n"
    done = subprocess.run([*_no_network(), sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "101"  # ENETUNREACH: not even loopback is up


@pytest.mark.slow
def test_full_transcription_opens_no_socket(tmp_path, eval_dir):
    db = tmp_path / "store.sqlite"
    done, calls = _network_calls(
        tmp_path,
        [sys.executable, "-m", "interview_assist", "transcribe", str(eval_dir / "asr" / "jfk.flac"),
         "--db", str(db), "--denoise", "on", "--json"],
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["segments"] >= 1
    assert calls == []


def test_offline_switches_are_set_before_dependencies_load():
    code = (
        "import sys, os, interview_assist.pipeline.run\n"
        "import huggingface_hub.constants as hub\n"
        "print(hub.HF_HUB_OFFLINE, os.environ['HF_HUB_OFFLINE'], os.environ['ORT_DISABLE_TELEMETRY'], "
        "os.environ['PYANNOTE_METRICS_ENABLED'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "0"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1", "1", "0"]


def _known_code_file(path: str, tmpdir) -> bool:
    """Files libraries write at import, which can hold no audio.

    - Python's ``tempfile`` checks that the temp folder is writable by
      writing four bytes ("blat") to a randomly named file and deleting it.
    """
    rel = os.path.relpath(path, tmpdir)
    if rel.startswith(".."):
        return False
    parts = rel.split(os.sep)
    return len(parts) == 1 and re.fullmatch(r"[a-z0-9_]{8}", parts[0]) is not None


WRITE = re.compile(r'open(?:at)?\((?:AT_FDCWD, )?"([^"]+)", [^)]*(O_WRONLY|O_RDWR|O_CREAT)')


@pytest.mark.slow
def test_audio_never_reaches_disk_outside_the_store(tmp_path, eval_dir):
    """With denoising on, the only files written are the store's own."""
    store_dir = tmp_path / "store"
    trace = tmp_path / "files.txt"
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=open,openat,creat", "-o", str(trace),
         sys.executable, "-m", "interview_assist", "transcribe", str(eval_dir / "asr" / "jfk.flac"),
         "--db", str(store_dir / "s.sqlite"), "--denoise", "on"],
        capture_output=True, text=True, cwd=REPO,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": str(tmp_path / "tmp")},
    )
    assert done.returncode == 0, done.stderr
    written = {m.group(1) for m in map(WRITE.search, trace.read_text().splitlines()) if m}
    outside = {
        p for p in written
        if not p.startswith(str(store_dir)) and not p.startswith("/dev/") and not _known_code_file(p, tmp_path / "tmp")
    }
    assert outside == set()
    assert any(p.endswith("s.sqlite") for p in written)  # the detector does see writes
