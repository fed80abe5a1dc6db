"""Running a batch on an existing Dask cluster, over mutual TLS.

Whoever can talk to a Dask scheduler can run code on its workers and in its
clients (this batch process, the one that writes the store), see the tasks,
and, as a worker, send back any result. So a cluster is reached only over
``tls://`` with a certificate and key of this batch's own and the CA that
signed the cluster's (Dask's :class:`~distributed.security.Security`, with
encryption required): the scheduler and workers must present certificates
of that CA and demand one of every client. An unencrypted ``tcp://``
scheduler is refused unless the operator says ``--insecure``, and then
warned about.
"""

from __future__ import annotations

import logging
import os
import ssl
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_assist.batch.job import JobResult
from interview_assist.batch.worker import PROGRESS_TOPIC, run_job
from interview_assist.core.errors import ClusterError, InputError
from interview_assist.pipeline.settings import RunSettings

logger = logging.getLogger("interview_assist")

INSECURE_WARNING = (
    "{address} is unencrypted and unauthenticated (--insecure): anyone who can reach it can run code on its "
    "workers and in this batch, read the transcripts and send back forged ones"
)


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """Where the scheduler is and how this batch proves who it is (a CA, a certificate and its key)."""

    address: str
    ca_file: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    insecure: bool = False

    @property
    def scheme(self) -> str:
        scheme, sep, _ = self.address.partition("://")
        return scheme.lower() if sep else "tcp"  # Dask's default for a bare host:port

    def check(self) -> str | None:
        """Refuse an unsafe or incomplete set-up (:class:`InputError`); a warning for an insecure one allowed."""
        files = {"--tls-ca-file": self.ca_file, "--tls-cert": self.cert, "--tls-key": self.key}
        if self.scheme == "tcp":
            if any(files.values()):
                raise InputError(f"{self.address}: the TLS files are for a tls:// scheduler; tcp:// is unencrypted")
            if not self.insecure:
                raise InputError(
                    f"{self.address}: unencrypted scheduler refused; give a tls:// address with --tls-ca-file, "
                    "--tls-cert and --tls-key (or --insecure, for a test cluster on a trusted network only)"
                )
            return INSECURE_WARNING.format(address=self.address)
        if self.scheme != "tls":
            raise InputError(f"{self.address}: a scheduler address starts with tls:// (or tcp:// with --insecure)")
        missing = [name for name, value in files.items() if value is None]
        if missing:
            raise InputError(f"a tls:// scheduler needs {', '.join(missing)} (the cluster's CA, this batch's "
                             "certificate and its key)")
        for name, value in files.items():
            _check_file(name, value)  # type: ignore[arg-type]
        _check_key_private(self.key)  # type: ignore[arg-type]
        try:
            context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(self.ca_file))
            context.load_cert_chain(str(self.cert), str(self.key))
        except (ssl.SSLError, ValueError) as exc:
            raise InputError(f"TLS files: {_ssl_reason(exc)} (--tls-ca-file {self.ca_file}, --tls-cert {self.cert}, "
                             f"--tls-key {self.key})") from None
        return None

    def security(self) -> Any:
        """Dask's Security for this batch's client: mutual TLS, encryption required."""
        from distributed.security import Security

        if self.scheme == "tcp":
            return Security()
        return Security(
            require_encryption=True, tls_ca_file=str(self.ca_file), tls_client_cert=str(self.cert),
            tls_client_key=str(self.key),
        )


def _check_file(name: str, path: Path) -> None:
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"{name} {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{name} {path}: not a file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{name} {path}: cannot be read")


def _check_key_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o007:
        raise InputError(f"--tls-key {path}: other users can read it (mode {mode:04o}); make it private: chmod 600 {path}")


def _ssl_reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or str(exc)
    return {
        "PEM_LIB": "not a PEM certificate or key",
        "KEY_VALUES_MISMATCH": "the key is not the certificate's",
        "NO_START_LINE": "not in PEM format",
    }.get(str(reason), str(reason).lower().replace("_", " "))


def connect(access: ClusterAccess) -> Any:
    """A Dask client of the cluster, or :class:`ClusterError` in one line."""
    from distributed import Client

    # How often a recording whose worker dies is tried again is the scheduler's setting
    # (distributed.scheduler.allowed-failures), not this client's. Dask's own log lines
    # (a refused handshake, a lost worker) stay off the operator's screen: failures are
    # reported here, one line each.
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        return Client(access.address, timeout="20s", security=access.security())
    except (OSError, TimeoutError, ValueError, ssl.SSLError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ClusterError(f"cannot use the scheduler at {access.address}: {first}") from None


def cluster_results(
    client: Any, tasks: Sequence[tuple[int, str, str, RunSettings, str]], threads: int,
    progress: Callable[[str, str, float, float | None], None],
) -> Iterator[tuple[int, JobResult | BaseException]]:
    """Send (tag, job key, path, settings, sha256) tasks to the cluster's workers; (tag, result or error) as each ends.

    One recording per worker thread at a time, the rest kept here: a worker
    that dies takes only its own recording with it, and an interrupted
    batch has little in flight.
    """
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    client.subscribe_topic(
        PROGRESS_TOPIC,
        lambda event: progress(event[1]["path"], event[1]["step"], event[1]["completed"], event[1]["total"]),
    )
    queue = iter(tasks)
    futures: dict[str, tuple[Any, int]] = {}
    running = as_completed()

    def submit_next() -> None:
        item = next(queue, None)
        if item is not None:
            tag, key, path, options, sha256 = item
            f = client.submit(run_job, path, options, sha256, threads, key=f"transcribe-{tag}-{key[:12]}", pure=False)
            futures[f.key] = (f, tag)
            running.add(f)

    for _ in range(max(sum(client.nthreads().values()), 1)):
        submit_next()
    for future in running:
        submit_next()
        _, tag = futures.pop(future.key)
        try:
            result: JobResult | BaseException = future.result()
        except FutureCancelledError:
            continue
        except Exception as exc:  # noqa: BLE001 - the worker died, or something unforeseen went wrong there
            result = exc
        future.release()
        yield tag, result


def close(client: Any) -> None:
    try:
        client.close(timeout=10)
    except Exception:  # noqa: BLE001 - closing after an interrupt or a dead cluster
        pass
