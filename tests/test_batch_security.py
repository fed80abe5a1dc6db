"""The batch's cluster is closed: no listener on this machine, mutual TLS to a remote one; a manifest
reads only inside its folder.

A local batch starts its job processes itself and opens no socket at all,
so nobody can connect to it and it runs with networking switched off. A
remote cluster is reached only over tls:// with certificates of the
cluster's CA (made here by the test); tcp:// only with --insecure, and a
warning. Certificates and clusters run on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import sys
import time

import pytest

from .conftest import REPO, run_cli
from .test_offline import _network_calls, _no_network
from .tls import CertificateAuthority, free_port, start_scheduler, start_worker, stop


def _one_error_line(done, code: int, *needles: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == code, (done.returncode, done.stderr)
    assert len(lines) == 1 and lines[0].startswith("interview-assist: error: "), done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# --- this machine: no listener -------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_local_batch_opens_no_socket_and_runs_with_networking_switched_off(tmp_path, eval_dir):
    """Two recordings at once (one diarized in its own child), under strace, in a namespace with no network."""
    if not _no_network():
        pytest.skip("switching networking off needs root and unshare")
    (tmp_path / "in").mkdir()
    shutil.copy(eval_dir / "asr" / "jfk.flac", tmp_path / "in")
    shutil.copy(eval_dir / "asr" / "fleurs-fr-003.ogg", tmp_path / "in")
    db = tmp_path / "store.sqlite"
    done, calls = _network_calls(
        tmp_path, [sys.executable, "-m", "interview_assist", "batch", str(tmp_path / "in"), "--workers", "2",
                   "--db", str(db)])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Summary: 2 done, 0 skipped as already done, 0 failed" in done.stdout
    assert calls == []  # no inet socket, and no listen() on any socket, in the batch or its children


# --- a remote cluster: mutual TLS ----------------------------------------------------------------------------

@pytest.fixture
def clip(tmp_path, eval_dir):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(eval_dir / "asr" / "fleurs-en-004.ogg", d)
    return d / "fleurs-en-004.ogg"


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return CertificateAuthority(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_scheduler(ca, tmp_path_factory):
    """A TLS scheduler on 127.0.0.1 (no workers: nothing here runs a model)."""
    from distributed import Client
    from distributed.security import Security

    port = free_port()
    proc = start_scheduler(port, ca, ca.issue("scheduler"))
    address = f"tls://127.0.0.1:{port}"
    mine = ca.issue("probe")
    security = Security(require_encryption=True, tls_ca_file=str(ca.ca_file), tls_client_cert=str(mine.cert),
                        tls_client_key=str(mine.key))
    deadline = time.monotonic() + 60
    while True:  # until it answers
        try:
            Client(address, timeout="5s", security=security).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
    yield address
    stop([proc])


@pytest.mark.slow  # starts a scheduler process and waits on it
def test_tcp_is_refused_unless_insecure_and_tls_needs_its_three_files(tmp_path, clip, new_db_path, ca):
    db_path = new_db_path  # nothing there yet: nothing may be made
    ours = ca.issue("batch")
    tls = ["--tls-ca-file", ca.ca_file, "--tls-cert", ours.cert, "--tls-key", ours.key]
    for args, needles in (
        (["--scheduler", "tcp://127.0.0.1:8786"], ("unencrypted scheduler refused", "--insecure")),
        (["--scheduler", "127.0.0.1:8786"], ("unencrypted scheduler refused",)),
        (["--scheduler", "tcp://127.0.0.1:8786", "--insecure", *tls], ("the TLS files are for a tls:// scheduler",)),
        (["--scheduler", "ws://127.0.0.1:8786"], ("starts with tls://",)),
        (["--scheduler", "tls://127.0.0.1:8786"], ("needs --tls-ca-file, --tls-cert, --tls-key",)),
        (["--scheduler", "tls://127.0.0.1:8786", "--tls-ca-file", ca.ca_file, "--tls-cert", ours.cert],
         ("needs --tls-key",)),
        (["--scheduler", "tls://127.0.0.1:8786", "--tls-ca-file", tmp_path, "--tls-cert", ours.cert,
          "--tls-key", ours.key], ("--tls-ca-file", "not a file")),
        (["--scheduler", "tls://127.0.0.1:8786", "--tls-ca-file", ca.ca_file, "--tls-cert", ours.cert,
          "--tls-key", tmp_path / "missing.key"], ("--tls-key", "No such file")),
        (["--scheduler", "tls://127.0.0.1:8786", "--tls-ca-file", ca.ca_file, "--tls-cert", ours.cert,
          "--tls-key", ca.issue("someone-else").key], ("the key is not the certificate's",)),
        (["--scheduler", "tls://127.0.0.1:8786", "--tls-ca-file", clip, "--tls-cert", ours.cert,
          "--tls-key", ours.key], ("TLS files",)),
        ([*tls], ("are for a cluster (--scheduler)",)),
        (["--insecure"], ("are for a cluster (--scheduler)",)),
    ):
        done = run_cli("batch", clip, *args, "--no-diarize", "--db", db_path)
        _one_error_line(done, 2, *needles)
        assert "recording(s) named" not in done.stdout
    assert not db_path.exists()  # refused before the store was touched

    os.chmod(ours.key, 0o644)
    done = run_cli("batch", clip, "--scheduler", "tls://127.0.0.1:8786", *tls, "--db", db_path)
    _one_error_line(done, 2, "other users can read it (mode 0644)", "chmod 600")


@pytest.mark.slow  # waits out the connection timeout to an unreachable scheduler (20 s)
def test_insecure_tcp_is_warned_about_and_an_unreachable_scheduler_is_one_line(clip, db_path):
    port = free_port()  # nothing listens there
    done = run_cli("batch", clip, "--scheduler", f"tcp://127.0.0.1:{port}", "--insecure", "--no-diarize",
                   "--db", db_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 6, done.stderr
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("interview-assist: warning: ") and "unencrypted and unauthenticated" in lines[0]
    assert lines[1].startswith(f"interview-assist: error: cannot use the scheduler at tcp://127.0.0.1:{port}: ")


def test_the_tls_scheduler_refuses_whoever_has_no_certificate_of_its_ca(tls_scheduler, ca, tmp_path):
    from distributed import Client
    from distributed.security import Security

    from interview_assist.batch.cluster import ClusterAccess, connect
    from interview_assist.core.errors import ClusterError

    port = int(tls_scheduler.rsplit(":", 1)[1])
    stranger = CertificateAuthority(tmp_path / "other", "someone else's CA").issue("intruder")

    # No certificate at all: TLS with the right CA, but the scheduler hangs up before anything is read.
    context = ssl.create_default_context(cafile=str(ca.ca_file))
    context.check_hostname = False
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"\0" * 64)  # with TLS 1.3 the refusal comes with the first read
                if tls.recv(1024) == b"":
                    raise ConnectionError("closed by the scheduler")

    # Plain tcp to the same port; a certificate of another CA.
    attempts = {
        "plain tcp": lambda: Client(f"tcp://127.0.0.1:{port}", timeout="5s"),
        "another CA": lambda: Client(tls_scheduler, timeout="5s", security=Security(
            tls_ca_file=str(ca.ca_file), tls_client_cert=str(stranger.cert), tls_client_key=str(stranger.key))),
    }
    for what, attempt in attempts.items():
        with pytest.raises((OSError, TimeoutError)):
            attempt().close()
            pytest.fail(f"a client with {what} connected")
    # The batch's own connect turns a refusal into one line (exit 6).
    with pytest.raises(ClusterError, match="cannot use the scheduler at tls://"):
        connect(ClusterAccess(tls_scheduler, stranger.cert.parent / "ca.pem", stranger.cert, stranger.key))

    # The control: a client with a certificate of the cluster's CA connects, and runs code on the scheduler.
    ours = ca.issue("batch")
    access = ClusterAccess(tls_scheduler, ca.ca_file, ours.cert, ours.key)
    assert access.check() is None
    client = connect(access)
    try:
        assert client.run_on_scheduler(os.getpid) > 0
    finally:
        client.close()


def test_a_worker_without_a_certificate_of_the_cluster_cannot_join(tls_scheduler, ca, tmp_path):
    from interview_assist.batch.cluster import ClusterAccess, connect

    ours = ca.issue("batch")
    client = connect(ClusterAccess(tls_scheduler, ca.ca_file, ours.cert, ours.key))
    stranger_ca = CertificateAuthority(tmp_path / "other", "someone else's CA")
    try:
        # It trusts the cluster's CA (a public certificate), but its own certificate is of another CA.
        intruder = start_worker(tls_scheduler, ca, stranger_ca.issue("forger"), "forger", tmp_path / "w0",
                                None, "--death-timeout", "8")
        plain = start_worker(tls_scheduler.replace("tls://", "tcp://"), None, None, "plain", tmp_path / "w1",
                             None, "--death-timeout", "8")
        for p in (intruder, plain):
            p.wait(timeout=90)  # gives up: never admitted
            assert p.returncode != 0
        assert client.scheduler_info()["workers"] == {}
        # The control: a worker with a certificate of the cluster's CA joins.
        member = start_worker(tls_scheduler, ca, ca.issue("worker"), "member", tmp_path / "w2")
        try:
            client.wait_for_workers(1, timeout=60)
            names = {w["name"] for w in client.scheduler_info()["workers"].values()}
            assert names == {"member"}
        finally:
            stop([member])
    finally:
        client.close()


def test_insecure_reaches_a_tcp_scheduler(tmp_path):
    from interview_assist.batch.cluster import ClusterAccess, connect

    port = free_port()
    proc = start_scheduler(port, None, None)
    try:
        access = ClusterAccess(f"tcp://127.0.0.1:{port}", insecure=True)
        assert "unencrypted and unauthenticated" in (access.check() or "")
        deadline = time.monotonic() + 60
        while True:
            try:
                client = connect(access)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
        assert client.run_on_scheduler(os.getpid) == proc.pid
        client.close()
    finally:
        stop([proc])


# --- manifests read only inside their folder -----------------------------------------------------------------

@pytest.fixture
def case(tmp_path, eval_dir):
    """A manifest's folder, and beside it a secret and a recording the manifest must not reach."""
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "creds.txt").write_text("db_password\tperson\nhunter2-token\tplace\n")
    shutil.copy(eval_dir / "asr" / "fleurs-en-004.ogg", tmp_path / "outside.ogg")
    d = tmp_path / "case"
    (d / "sub").mkdir(parents=True)
    shutil.copy(eval_dir / "asr" / "fleurs-en-003.ogg", d / "sub" / "inside.ogg")
    (d / "names.txt").write_text("Farid Nazari\tperson\n")
    (d / "link.ogg").symlink_to(tmp_path / "outside.ogg")
    (d / "names-link.txt").symlink_to(tmp_path / "secret" / "creds.txt")
    return d


def test_manifest_rows_reaching_outside_its_folder_are_refused(case, tmp_path):
    from interview_assist.batch import collect_jobs
    from interview_assist.pipeline.settings import RunSettings

    manifest = case / "backlog.csv"
    manifest.write_text(
        "path,glossary\n"
        "sub/inside.ogg,names.txt\n"                    # 2: inside
        f"{case / 'sub' / 'inside.ogg'},../secret/creds.txt\n"  # 3: a glossary outside
        "../outside.ogg,\n"                              # 4: a recording outside
        f"{tmp_path / 'outside.ogg'},\n"                 # 5: absolute, outside
        "link.ogg,\n"                                    # 6: a link out
        "sub/../sub/inside.ogg,names-link.txt\n"         # 7: a glossary linked out
    )
    jobs = {j.source.rsplit(":", 1)[1]: j for j in collect_jobs([manifest], RunSettings())}
    assert jobs["2"].refused is None and jobs["2"].options.glossary == str(case / "names.txt")
    for line, what in (("3", "glossary '../secret/creds.txt'"), ("4", "recording '../outside.ogg'"),
                       ("5", "recording"), ("6", "recording 'link.ogg'"), ("7", "glossary 'names-link.txt'")):
        assert jobs[line].refused is not None and what in jobs[line].refused, (line, jobs[line].refused)
        assert "outside the manifest's folder" in jobs[line].refused and jobs[line].options.glossary is None
    # The operator may allow it.
    allowed = collect_jobs([manifest], RunSettings(), allow_outside=True)
    assert all(j.refused is None for j in allowed)  # (each recording once with each glossary: 3 jobs)
    assert {(j.path.name, j.options.glossary) for j in allowed} == {
        ("inside.ogg", str(case / "names.txt")), ("inside.ogg", str(tmp_path / "secret" / "creds.txt")),
        ("outside.ogg", None)}


def test_a_refused_row_is_reported_like_a_bad_file_and_nothing_of_it_is_read(case, tmp_path, db_path):
    manifest = case / "backlog.csv"
    manifest.write_text("path,glossary\nsub/inside.ogg,../secret/creds.txt\n../outside.ogg,\n")
    done = run_cli("batch", manifest, "--no-diarize", "--db", db_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Summary: 0 done, 0 skipped as already done, 2 failed" in done.stdout
    assert f"{manifest}:2: the glossary '../secret/creds.txt' is outside the manifest's folder" in done.stdout
    assert f"{manifest}:3: the recording '../outside.ogg' is outside the manifest's folder" in done.stdout
    stored = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    assert b"hunter2" not in stored and b"db_password" not in stored


def test_a_manifest_row_with_a_bad_glossary_fails_alone(case, db_path):
    (case / "huge.txt").write_bytes(b"Kunduz\tplace\n" * 100_000)  # 1.3 MB
    (case / "rlo.txt").write_text("Farid\u202eNazari\tperson\n")
    manifest = case / "backlog.csv"
    manifest.write_text("path,glossary\nsub/inside.ogg,huge.txt\nsub/inside.ogg,rlo.txt\n")
    done = run_cli("batch", manifest, "--no-diarize", "--db", db_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Summary: 0 done, 0 skipped as already done, 2 failed" in done.stdout
    assert "huge.txt: larger than 1 MiB" in done.stdout
    assert "RIGHT-TO-LEFT OVERRIDE" in done.stdout


def test_a_local_batch_does_not_import_dask():
    """A local batch does not import Dask at all (no scheduler, no event loop, no socket)."""
    code = (
        "import sys\nfrom interview_assist.batch import run_batch\nfrom interview_assist.batch import local\n"
        "print('distributed' in sys.modules)\n"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
