"""A real S3-compatible server for the tests: moto's standalone server (``moto_server``, from the test extra)
started as a subprocess on a free loopback port, and a fresh bucket per test."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

#: the credentials moto accepts (any); passed through config, never through the process environment
ACCESS_KEY, SECRET_KEY, REGION = "testing", "testing", "us-east-1"
_buckets = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout} s")


def moto_command(port: int) -> list[str]:
    beside = Path(sys.executable).with_name("moto_server")
    program = str(beside) if beside.exists() else shutil.which("moto_server")
    if program is None:
        pytest.fail("moto_server is missing: install the test extra (pip install -e '.[test]')")
    return [program, "-H", "127.0.0.1", "-p", str(port)]


@dataclass
class S3Server:
    endpoint: str

    def config(self, bucket: str, prefix: str = "evidence") -> dict:
        """The app configuration that keeps evidence in ``bucket``/``prefix`` on this server."""
        return {"STORAGE_URL": f"s3://{bucket}/{prefix}", "S3_ENDPOINT_URL": self.endpoint, "S3_REGION": REGION,
                "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY}

    def env(self, bucket: str, prefix: str = "evidence") -> dict[str, str]:
        """The same as ``REGISTRY_*`` environment variables, for app servers in subprocesses."""
        return {f"REGISTRY_{key}": value for key, value in self.config(bucket, prefix).items()}

    def client(self):
        from registry.storage import s3_client
        return s3_client(self.endpoint, REGION, ACCESS_KEY, SECRET_KEY)

    def new_bucket(self) -> str:
        name = f"registry-test-{os.getpid()}-{next(_buckets)}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", ()))


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server, running for the whole test session."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "wb")
    process = subprocess.Popen(moto_command(port), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, "moto_server")
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the moto server."""
    return s3_server.new_bucket()
