"""Certificates made by the tests for a Dask cluster on 127.0.0.1: a CA, and certificates it signs."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Identity:
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(path, 0o600)


class CertificateAuthority:
    """A CA of its own (the cluster's), which signs the certificates of the scheduler, workers and clients."""

    def __init__(self, folder: Path, name: str = "interview-assist test cluster CA") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name)).issuer_name(_name(name))
            .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
                decipher_only=False), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, name: str) -> Identity:
        """A certificate for ``name`` on 127.0.0.1, good for both ends of a connection (as Dask uses them)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name)).issuer_name(self._cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        identity = Identity(self.folder / f"{name}.pem", self.folder / f"{name}.key")
        identity.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, identity.key)
        return identity


# A cluster of separate processes, as an operator starts one.

def _dask() -> str:
    import sys

    return str(Path(sys.executable).with_name("dask"))


def _tls_args(ca: CertificateAuthority, identity: Identity) -> list[str]:
    return ["--tls-ca-file", str(ca.ca_file), "--tls-cert", str(identity.cert), "--tls-key", str(identity.key)]


def start_scheduler(port: int, ca: CertificateAuthority | None, identity: Identity | None,
                    env: dict | None = None) -> subprocess.Popen:
    """``dask scheduler`` on 127.0.0.1: over TLS with ``identity``, or plain tcp when ``ca`` is None."""
    tls = ["--protocol", "tls", *_tls_args(ca, identity)] if ca is not None and identity is not None else []
    return subprocess.Popen(
        [_dask(), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard", *tls],
        env=env or dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def start_worker(address: str, ca: CertificateAuthority | None, identity: Identity | None, name: str, folder: Path,
                 env: dict | None = None, *extra: str) -> subprocess.Popen:
    tls = _tls_args(ca, identity) if ca is not None and identity is not None else []
    return subprocess.Popen(
        [_dask(), "worker", address, "--nthreads", "1", "--nworkers", "1", "--name", name, "--no-dashboard",
         "--local-directory", str(folder), *tls, *extra],
        env=env or dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
