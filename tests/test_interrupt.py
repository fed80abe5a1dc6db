"""Ctrl-C in the middle of a transcription leaves the store consistent."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from interview_assist.core.transcript import ModelUsed, Segment, Transcript, Word
from interview_assist.store import Database, save_transcript
from interview_assist.store import audit as audit_module

from .conftest import CLI, REPO, count_interviews, raw_sql


@pytest.mark.slow
def test_ctrl_c_during_transcription_stores_nothing(tmp_path, db_path):
    proc = subprocess.Popen(
        [*CLI, "transcribe", str(REPO / "examples" / "interview_v01.flac"), "--db", str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        # As from a terminal: a suite started in the background (`cmd &` in a
        # script) passes SIGINT down as ignored, and Python keeps it so.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Wait until the store exists (the command is past its checks), then
    # give the model time to start decoding.
    deadline = time.monotonic() + 60
    while not db_path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(4)
    assert proc.poll() is None, "transcription ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interview-assist: error: interrupted; nothing was stored"
    assert count_interviews(db_path) == 0
    with raw_sql(db_path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT count(*) FROM segments").fetchone()[0] == 0


def _tiny_transcript() -> Transcript:
    words = (Word(0.0, 0.5, " Hello", 0.9), Word(0.5, 1.0, " there.", 0.8))
    return Transcript(
        audio_path="/x.wav",
        audio_sha256="a" * 64,
        duration=1.0,
        model=ModelUsed("whisper-base", "b" * 64),
        settings={},
        segments=(Segment(0.0, 1.0, "Hello there.", "en", words),),
    )


def test_interrupt_while_saving_rolls_everything_back(new_db_path, monkeypatch):
    """Ctrl-C at the last statement of the save: segments, words and audit go together."""
    db_path = new_db_path  # nothing there yet: nothing may be made

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with Database(db_path) as db:
        save_transcript(db, _tiny_transcript(), actor="tester")
        monkeypatch.setattr(audit_module, "append", interrupted)
        with pytest.raises(KeyboardInterrupt):
            save_transcript(db, _tiny_transcript(), actor="tester")
        counts = [
            db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("interviews", "segments", "words", "audit_log")
        ]
    assert counts == [1, 1, 2, 1]


def test_ctrl_c_inside_a_decoder_read_is_not_lost(monkeypatch):
    """PyAV swallows exceptions raised in its read callback; Ctrl-C must still stop the decode."""
    import builtins

    from interview_assist.audio import decode as audio_module

    real_open = builtins.open
    reads = {"n": 0}

    class InterruptedOnTenthRead:
        def __init__(self, fh):
            self._fh = fh

        def read(self, size=-1):
            reads["n"] += 1
            if reads["n"] == 10:
                raise KeyboardInterrupt
            return self._fh.read(size)

        def __getattr__(self, name):
            return getattr(self._fh, name)

    def fake_open(path, mode="r", *args, **kwargs):
        return InterruptedOnTenthRead(real_open(path, mode, *args, **kwargs))

    monkeypatch.setattr(audio_module, "open", fake_open, raising=False)
    decoded = 0
    with pytest.raises(KeyboardInterrupt):
        for block in audio_module.stream(REPO / "examples" / "interview_v01.flac"):
            decoded += block.size
    assert reads["n"] >= 10
    assert decoded < 16000 * 270  # stopped, not read to the end


def test_a_swallowed_ctrl_c_is_still_remembered_before_storing():
    """Where a library drops the KeyboardInterrupt, the CLI still refuses to store."""
    import os

    import interview_assist.cli
    from interview_assist.cli.interrupts import Interrupts

    # As in a terminal, even when the suite runs with SIGINT ignored.
    outer = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with Interrupts() as interrupts:
            try:  # a library that swallows every exception in a callback
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.5)
            except KeyboardInterrupt:
                pass
            with pytest.raises(KeyboardInterrupt):
                interrupts.check()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert interview_assist.cli.interrupted()  # any later failure of the run is reported as the interruption
    finally:
        signal.signal(signal.SIGINT, outer)
        interview_assist.cli._seen.clear()


# A Ctrl-C at any moment: while the libraries are still being imported, and
# during diarization as a terminal sends it (to the whole process group).

_INTERRUPT_ON_IMPORT = """
import os, signal, sys

TARGET = sys.argv[1]

class InterruptOnImport:
    # Where a real Ctrl-C would land: as the import of TARGET starts.
    def find_spec(self, name, path=None, target=None):
        if name == TARGET:
            sys.meta_path.remove(self)
            print("interrupting the import of " + name, file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptOnImport())
del sys.argv[1]
sys.argv[0] = "interview-assist"
from interview_assist.cli import main
main()
"""


@pytest.mark.parametrize("module", ["interview_assist.cli.app", "av", "onnxruntime", "ctranslate2"])
def test_ctrl_c_while_a_library_is_imported_ends_with_130_and_stores_nothing(db_path, module):
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPT_ON_IMPORT, module, "transcribe", str(REPO / "examples" / "interview_v01.flac"),
         "--no-diarize", "--db", str(db_path)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert f"interrupting the import of {module}" in done.stderr, "the module was never imported: nothing was tested"
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "interview-assist: error: interrupted; nothing was stored"
    assert not db_path.exists() or count_interviews(db_path) == 0


@pytest.mark.slow
@pytest.mark.parametrize("after", [1.5, 4.0])
def test_ctrl_c_to_the_process_group_during_diarization_stores_nothing(db_path, after):
    """A terminal's Ctrl-C (to the whole process group) while the speakers are found: 130, no traceback,
    nothing stored, and no process left behind."""
    import os

    import psutil

    proc = subprocess.Popen(
        [*CLI, "transcribe", str(REPO / "examples" / "interview_v01.flac"), "--db", str(db_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Diarization hears the recording in the first seconds of the run (before the speech model loads).
    time.sleep(after)
    assert proc.poll() is None, "the transcription ended before it could be interrupted"
    spawned = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == "interview-assist: error: interrupted; nothing was stored"
    gone, alive = psutil.wait_procs(spawned, timeout=20)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], "a process ran on after Ctrl-C"
    assert count_interviews(db_path) == 0
