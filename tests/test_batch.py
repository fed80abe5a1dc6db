"""Batch processing on the real models and recordings: bad files, per-file options,
killing and resuming, and a Dask cluster over TLS that the test starts itself (with
a worker killed mid-file)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import CLI, REPO, raw_sql, run_cli
from .tls import CertificateAuthority, free_port, start_scheduler, start_worker, stop


def _stored(db_path: Path) -> list[tuple]:
    """(interview id, audio file name) of every stored interview."""
    if not db_path.exists():
        return []
    with raw_sql(db_path) as c:
        return [(i, Path(p).name) for i, p in c.execute("SELECT id, audio_path FROM interviews ORDER BY id")]


def _items(db_path: Path) -> dict[str, tuple]:
    with raw_sql(db_path) as c:
        return {Path(p).name: (s, i) for p, s, i in c.execute("SELECT audio_path, status, interview_id FROM batch_items")}


def _segments(db_path: Path, interview_id: int) -> list[tuple]:
    with raw_sql(db_path) as c:
        return c.execute(
            "SELECT start, end, text, language, speaker FROM segments WHERE interview_id = ? ORDER BY idx", (interview_id,)
        ).fetchall()


@pytest.fixture
def folder(eval_dir, tmp_path) -> Path:
    """Two real clips, one file that is not audio, one empty file."""
    d = tmp_path / "incoming"
    (d / "day2").mkdir(parents=True)
    shutil.copy(eval_dir / "asr" / "fleurs-en-000.ogg", d)
    shutil.copy(eval_dir / "asr" / "fleurs-fr-001.ogg", d / "day2")
    (d / "notes.wav").write_bytes(b"this is not a recording")
    (d / "day2" / "empty.flac").write_bytes(b"")
    (d / "README.txt").write_text("not a recording, and not taken for one")
    return d


@pytest.mark.slow
def test_bad_files_are_reported_and_a_rerun_skips_what_is_done(folder, db_path):
    first = run_cli("batch", folder, "--workers", "2", "--no-diarize", "--db", db_path)
    assert first.returncode == 1, first.stderr  # some files failed
    out = first.stdout
    assert "Summary: 2 done, 0 skipped as already done, 2 failed" in out
    assert "FAILED   " + str(folder / "notes.wav") + ": not a readable audio file" in out
    assert "FAILED   " + str(folder / "day2" / "empty.flac") + ": is empty (0 bytes)" in out
    assert sorted(name for _, name in _stored(db_path)) == ["fleurs-en-000.ogg", "fleurs-fr-001.ogg"]
    items = _items(db_path)
    assert items["fleurs-en-000.ogg"][0] == items["fleurs-fr-001.ogg"][0] == "done"
    assert items["notes.wav"] == ("failed", None)
    # Each recording went through the real pipeline: its language is detected per segment.
    (fr,) = [i for i, name in _stored(db_path) if name == "fleurs-fr-001.ogg"]
    assert {s[3] for s in _segments(db_path, fr)} == {"fr"}

    again = run_cli("batch", folder, "--workers", "2", "--no-diarize", "--db", db_path)
    assert again.returncode == 1
    assert "Summary: 0 done, 2 skipped as already done, 2 failed" in again.stdout
    assert len(_stored(db_path)) == 2
    # Other settings make it a different job.
    other = run_cli("batch", folder / "fleurs-en-000.ogg", "--no-diarize", "--denoise", "off", "--db", db_path)
    assert other.returncode == 0, other.stdout + other.stderr
    assert "Summary: 1 done, 0 skipped" in other.stdout and len(_stored(db_path)) == 3


@pytest.mark.slow
def test_a_manifest_gives_options_per_file_and_the_result_equals_transcribe(eval_dir, tmp_path, db_path):
    # An absolute path is taken as it is, inside the manifest's folder as any row must be.
    names = tmp_path / "names_v01.wav"
    shutil.copy(eval_dir / "names" / "names_v01.wav", names)
    (tmp_path / "case.txt").write_text("Farid Nazari\tperson\nKunduz\tplace\n")
    shutil.copy(eval_dir / "asr" / "fleurs-fr-002.ogg", tmp_path / "fr.ogg")
    manifest = tmp_path / "backlog.csv"
    manifest.write_text(
        "path,speakers,language,glossary,interpreter\n"
        f"{names},2,,case.txt,no\n"
        "fr.ogg,,fr,,\n"
    )
    done = run_cli("batch", manifest, "--db", db_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Summary: 2 done" in done.stdout
    with raw_sql(db_path) as c:
        rows = {Path(p).name: (i, json.loads(s)) for i, p, s in c.execute("SELECT id, audio_path, settings FROM interviews")}
        glossaries = dict(c.execute("SELECT interview_id, COUNT(*) FROM glossary GROUP BY interview_id").fetchall())
    names_id, names_settings = rows["names_v01.wav"]
    fr_id, fr_settings = rows["fr.ogg"]
    assert names_settings["speakers"]["num_speakers"] == 2 and names_settings["interpreter"] is False
    assert glossaries.get(names_id) == 2 and fr_id not in glossaries
    assert fr_settings["asr"]["language"] == "fr"
    assert {s[3] for s in _segments(db_path, fr_id)} == {"fr"}

    # The same recording and options through `transcribe` give the same draft.
    single = tmp_path / "single.sqlite"
    alone = run_cli("transcribe", names, "--speakers", "2", "--no-interpreter",
                    "--glossary", tmp_path / "case.txt", "--db", single, "--json")
    assert alone.returncode == 0, alone.stderr
    batch_segments = _segments(db_path, names_id)
    assert {s[4] for s in batch_segments} == {"S1", "S2"}  # diarized, with the manifest's speaker count
    assert _segments(single, json.loads(alone.stdout)["id"]) == batch_segments

    bad = tmp_path / "bad.csv"
    bad.write_text("file,speakers\nx.wav,2\n")
    refused = run_cli("batch", bad, "--db", db_path)
    assert refused.returncode == 2 and "needs a header row with a 'path' column" in refused.stderr


def _default_sigint() -> None:
    # A suite started as a background job passes SIGINT down as ignored; an
    # operator's batch in a terminal has the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, *map(str, args)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=_default_sigint, **kwargs,
    )


def _wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_a_killed_batch_continues_where_it_stopped(eval_dir, tmp_path, db_path):
    d = tmp_path / "backlog"
    d.mkdir()
    for n in (1, 2, 3, 4):
        shutil.copy(eval_dir / "asr" / f"fleurs-en-00{n}.ogg", d)
    args = ["batch", d, "--workers", "1", "--no-diarize", "--db", db_path]

    # Ctrl-C (SIGINT to the whole foreground group) once one recording is stored.
    run = _start(args, env={**os.environ})
    _wait_for(lambda: len(_stored(db_path)) >= 1, 240, "a first stored recording")
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 130, out + err
    assert "Interrupted: the recordings listed as done are stored" in out
    stored = len(_stored(db_path))
    assert 1 <= stored < 4

    # SIGKILL of the whole group (no chance to clean up) once one more is stored.
    run = _start(args)
    _wait_for(lambda: len(_stored(db_path)) >= stored + 1, 240, "one more stored recording")
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=60)
    stored = len(_stored(db_path))
    # Nothing half-written: every stored interview is a finished batch item, and the reverse.
    items = _items(db_path)
    assert sorted(i for s, i in items.values() if s == "done") == [i for i, _ in _stored(db_path)]

    final = run_cli(*args)
    assert final.returncode == 0, final.stdout + final.stderr
    assert f"Summary: {4 - stored} done, {stored} skipped as already done, 0 failed" in final.stdout
    names = [name for _, name in _stored(db_path)]
    assert sorted(names) == sorted(p.name for p in d.iterdir()), "each recording stored exactly once"


@pytest.fixture
def cluster(tmp_path):
    """A Dask scheduler and two workers over mutual TLS, as separate processes, on 127.0.0.1.

    The certificates are made here, by a CA of the test's own. The scheduler
    gives up on a recording at the first death of its worker, so the test can
    see a crash reported; workers hold one recording at a time. Yields the
    address, a client of the test's own, and the batch's TLS options.
    """
    from distributed import Client
    from distributed.security import Security

    ca = CertificateAuthority(tmp_path / "tls")
    port = free_port()
    address = f"tls://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    }
    procs = [start_scheduler(port, ca, ca.issue("scheduler"), env)]
    for name in ("w1", "w2"):
        procs.append(start_worker(address, ca, ca.issue(f"worker-{name}"), name, tmp_path / name, env))
    mine = ca.issue("test-client")
    client = Client(address, timeout="60s", security=Security(
        require_encryption=True, tls_ca_file=str(ca.ca_file), tls_client_cert=str(mine.cert),
        tls_client_key=str(mine.key)))
    client.wait_for_workers(2, timeout=120)
    batch_client = ca.issue("batch")
    tls = ["--tls-ca-file", ca.ca_file, "--tls-cert", batch_client.cert, "--tls-key", batch_client.key]
    yield address, client, tls
    client.close()
    stop(procs)


@pytest.mark.slow
def test_a_cluster_batch_stores_through_one_writer_and_survives_a_worker_crash(cluster, eval_dir, tmp_path, db_path):
    address, client, tls = cluster
    d = tmp_path / "backlog"
    d.mkdir()
    # About a minute of speech each, so that a worker is killed well inside a recording.
    for name in ("names_v01.wav", "names_v02.wav", "names_v03.wav"):
        shutil.copy(eval_dir / "names" / name, d)
    shutil.copy(eval_dir / "asr" / "fleurs-fr-000.ogg", d)
    run = _start(["batch", d, "--scheduler", address, *tls, "--no-diarize", "--db", db_path])

    # Kill the worker process that is transcribing a recording, as a crash would.
    busy: dict = {}
    _wait_for(lambda: busy.update({w: k for w, k in client.processing().items() if k}) or busy, 240, "a busy worker")
    worker = next(iter(busy))
    pid = client.run(os.getpid, workers=[worker])[worker]
    os.kill(pid, signal.SIGKILL)

    out, err = run.communicate(timeout=600)
    assert run.returncode == 1, out + err
    assert "Summary: 3 done, 0 skipped as already done, 1 failed" in out
    assert "the worker processing it died" in out
    # The client wrote every result: each recording done names its stored interview, the one that failed none.
    items = _items(db_path)
    assert sorted(s for s, _ in items.values()) == ["done", "done", "done", "failed"], items
    assert sorted(i for s, i in items.values() if s == "done") == [i for i, _ in _stored(db_path)]
    assert [i for s, i in items.values() if s == "failed"] == [None]

    client.wait_for_workers(2, timeout=120)  # the nanny restarted the killed worker
    again = run_cli("batch", d, "--scheduler", address, *tls, "--no-diarize", "--db", db_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Summary: 1 done, 3 skipped as already done, 0 failed" in again.stdout
    assert sorted(name for _, name in _stored(db_path)) == sorted(p.name for p in d.iterdir())


def test_options_for_the_whole_batch_are_checked_before_anything_runs(folder, db_path):
    for args, code, why in (
        (["--model", "nope"], 3, "unknown model 'nope'"),
        (["--language", "xx"], 2, "unknown language code 'xx'"),
        (["--min-speakers", "4", "--max-speakers", "2"], 2, "min-speakers (4) is more than max-speakers (2)"),
    ):
        done = run_cli("batch", folder, *args, "--db", db_path)
        assert done.returncode == code and why in done.stderr, done.stderr
        assert "recording(s) named" not in done.stdout
    assert not db_path.exists() or _items(db_path) == {}


def test_a_manifest_speaker_count_is_ascii_digits(tmp_path):
    from interview_assist.batch.inputs import read_manifest
    from interview_assist.core.errors import InputError
    from interview_assist.pipeline.settings import RunSettings

    manifest = tmp_path / "m.csv"
    manifest.write_text("path,speakers\nx.flac,²\n")
    with pytest.raises(InputError, match="speakers must be a whole number"):
        read_manifest(manifest, RunSettings())


@pytest.mark.skipif(not shutil.which("taskset") or len(os.sched_getaffinity(0)) < 2, reason="needs taskset and two cores")
def test_threads_follow_the_cores_the_process_may_run_on_not_the_machines():
    # An operator pins a batch to one core (taskset, a cgroup's cpuset): the jobs and the
    # speech model must not start a thread per core of the machine, fighting for that one.
    probe = (
        "from interview_assist.asr.transcriber import AsrOptions\n"
        "from interview_assist.batch.runner import BatchOptions\n"
        "from interview_assist.batch.worker import job_environment\n"
        "print(AsrOptions().threads(), BatchOptions().threads(), job_environment(0)['OMP_NUM_THREADS'])\n"
    )
    core = str(min(os.sched_getaffinity(0)))
    out = subprocess.run(["taskset", "-c", core, CLI[0], "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split() == ["1", "1", "1"], out.stderr


def test_a_cgroup_cpu_quota_caps_the_threads(tmp_path):
    # A container given two CPUs' time on a large host (docker --cpus=1.5, systemd CPUQuota=150%)
    # sees all the host's cores: one thread each would fight over the quota. cgroup v2, then v1,
    # with the quota on a parent of the process's group (a stand-in /sys/fs/cgroup).
    from interview_assist.core.kernels import cgroup_cpu_quota

    v2 = tmp_path / "v2"
    (v2 / "machine.slice" / "job").mkdir(parents=True)
    (v2 / "machine.slice" / "cpu.max").write_text("150000 100000\n")
    (v2 / "machine.slice" / "job" / "cpu.max").write_text("max 100000\n")
    member = tmp_path / "cgroup-v2"
    member.write_text("0::/machine.slice/job\n")
    assert cgroup_cpu_quota(v2, member) == 1.5
    (v2 / "machine.slice" / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_quota(v2, member) is None

    v1 = tmp_path / "v1" / "cpu,cpuacct" / "docker" / "abc"
    v1.mkdir(parents=True)
    (v1 / "cpu.cfs_quota_us").write_text("200000\n")
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    member = tmp_path / "cgroup-v1"
    member.write_text("4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n")
    assert cgroup_cpu_quota(tmp_path / "v1", member) == 2.0
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_cpu_quota(tmp_path / "v1", member) is None
    assert cgroup_cpu_quota(tmp_path / "none", tmp_path / "missing") is None


def test_a_job_does_not_inherit_the_trim_threshold_dask_gives_its_workers(monkeypatch):
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 for its workers; a job started there kept it,
    and glibc gave the heap back after almost every free (a recording took 1.6-1.8 times as long)."""
    from interview_assist.batch.worker import job_environment

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    env = job_environment(2)
    assert "MALLOC_TRIM_THRESHOLD_" not in env
    assert env["OMP_NUM_THREADS"] == "2" and env["PATH"] == os.environ["PATH"]
