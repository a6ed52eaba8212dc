"""Where evidence files are kept: a folder (local, or shared between servers such as an NFS mount) or an
S3-compatible bucket, chosen by configuration.

``STORAGE_URL`` (``REGISTRY_STORAGE_URL``) selects the store:

- empty (the default): the folder ``EVIDENCE_DIR`` (``REGISTRY_EVIDENCE_DIR``, default ``instance/evidence``);
- ``file:///srv/registry/evidence``: that folder;
- ``s3://bucket/prefix``: objects ``prefix/<stored name>`` in ``bucket``, through boto3. ``S3_ENDPOINT_URL``
  (``REGISTRY_S3_ENDPOINT_URL``) points at a non-AWS server (MinIO, Ceph, …), ``S3_REGION``
  (``REGISTRY_S3_REGION``); the credentials are boto3's usual ones (``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY``, a profile, an instance role) unless ``S3_ACCESS_KEY_ID`` / ``S3_SECRET_ACCESS_KEY``
  are set in ``instance/config.py`` or ``REGISTRY_S3_ACCESS_KEY_ID`` / ``REGISTRY_S3_SECRET_ACCESS_KEY``.

A store only keeps bytes under names; what a file may be (type, size) is decided in
``registry.services.evidence`` before it is stored. Files are read as streams, never whole.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

CHUNK = 1024 * 1024


class StorageError(Exception):
    """The store is misconfigured or cannot be reached."""


@contextmanager
def _s3_errors(name: str | None = None):
    """botocore's errors as FileNotFoundError (a missing object) or StorageError (anything else)."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        yield
    except ClientError as exc:
        if _missing(exc) and name is not None:
            raise FileNotFoundError(name) from exc
        raise StorageError(f"S3: {exc}") from exc
    except BotoCoreError as exc:
        raise StorageError(f"S3: {exc}") from exc


class Storage(ABC):
    """Bytes kept under flat names (the evidence files' random ``stored_name``)."""

    @abstractmethod
    def staging_folder(self) -> Path | None:
        """Where an upload is written before ``put`` (the folder itself for a local store: ``put`` is then an
        atomic rename), or None for the system's temporary folder."""

    @abstractmethod
    def put(self, name: str, source: Path) -> None:
        """Store the finished file ``source`` under ``name``; ``source`` is gone afterwards."""

    @abstractmethod
    def open(self, name: str) -> BinaryIO:
        """A readable stream of the file ``name`` (``read(n)``, ``close()``); FileNotFoundError if missing."""

    @abstractmethod
    def exists(self, name: str) -> bool: ...

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove ``name``; nothing happens when it is not there."""

    @abstractmethod
    def names(self) -> Iterator[str]:
        """Every stored name, without unfinished uploads."""

    def local_path(self, name: str) -> Path | None:
        """The file's path when it is on this machine's file system (served with ``send_file``), else None."""
        return None

    def chunks(self, name: str, size: int = CHUNK) -> Iterator[bytes]:
        """The file's content piece by piece (FileNotFoundError if missing, raised before the first piece)."""
        handle = self.open(name)

        def generate() -> Iterator[bytes]:
            try:
                while chunk := handle.read(size):
                    yield chunk
            finally:
                handle.close()
        return generate()

    def write_bytes(self, name: str, content: bytes) -> None:
        """Store small ``content`` under ``name`` (tests, generated data)."""
        _check_name(name)
        folder = self.staging_folder()
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".write.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        self.put(name, Path(temp))

    def read_bytes(self, name: str) -> bytes:
        return b"".join(self.chunks(name))


def _check_name(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise ValueError(f"not a stored file name: {name!r}")
    return name


class LocalStorage(Storage):
    """A folder: this machine's disk, or one shared by every app server (NFS, CephFS, …)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.folder)!r})"

    def path(self, name: str) -> Path:
        return self.folder / _check_name(name)

    def staging_folder(self) -> Path:
        return self.folder

    def put(self, name: str, source: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(name)
        if Path(source).parent.resolve() == self.folder.resolve():
            os.replace(source, target)
        else:  # written elsewhere: copy next to the target first, so the rename stays atomic
            partial = self.folder / f".{name}.part"
            shutil.copyfile(source, partial)
            os.replace(partial, target)
            Path(source).unlink(missing_ok=True)

    def open(self, name: str) -> BinaryIO:
        return open(self.path(name), "rb")

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return iter(())
        return iter(sorted(p.name for p in self.folder.iterdir() if p.is_file() and not p.name.startswith(".")))

    def local_path(self, name: str) -> Path:
        return self.path(name)


class S3Storage(Storage):
    """Objects ``<prefix><name>`` in an S3-compatible bucket."""

    def __init__(self, bucket: str, prefix: str = "", client=None) -> None:
        if not bucket:
            raise StorageError("The S3 storage URL names no bucket (s3://bucket/prefix).")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage('s3://{self.bucket}/{self.prefix}')"

    def key(self, name: str) -> str:
        return self.prefix + _check_name(name)

    def staging_folder(self) -> None:
        return None

    def put(self, name: str, source: Path) -> None:
        from boto3.exceptions import S3UploadFailedError
        key = self.key(name)
        try:  # upload_file streams from disk, in parts for large files
            with _s3_errors():
                self.client.upload_file(str(source), self.bucket, key,
                                        ExtraArgs={"ContentType": "application/octet-stream"})
        except S3UploadFailedError as exc:  # how boto3 reports a refused upload
            raise StorageError(f"S3: {exc}") from exc
        finally:
            Path(source).unlink(missing_ok=True)

    def open(self, name: str) -> BinaryIO:
        key = self.key(name)
        with _s3_errors(name):
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def exists(self, name: str) -> bool:
        key = self.key(name)
        try:
            with _s3_errors(name):
                self.client.head_object(Bucket=self.bucket, Key=key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, name: str) -> None:
        key = self.key(name)
        with _s3_errors():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def names(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        with _s3_errors():
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", ()):
                    name = item["Key"][len(self.prefix):]
                    if name and "/" not in name and not name.startswith("."):
                        yield name


def _missing(exc) -> bool:
    error = exc.response.get("Error", {})
    return str(error.get("Code")) in ("404", "NoSuchKey", "NotFound") or \
        exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def s3_client(endpoint_url: str | None = None, region: str | None = None, access_key: str | None = None,
              secret_key: str | None = None):
    """One boto3 S3 client per configuration (clients are thread-safe and slow to make)."""
    key = (endpoint_url, region, access_key, secret_key)
    with _clients_lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config
            options = {"signature_version": "s3v4", "retries": {"max_attempts": 3, "mode": "standard"},
                       "connect_timeout": 10, "read_timeout": 60}
            if endpoint_url:  # MinIO and most S3-compatible servers want path-style addresses
                options["s3"] = {"addressing_style": "path"}
            _clients[key] = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url or None, region_name=region or None,
                aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
                config=Config(**options))
        return _clients[key]


def storage_from_url(url: str | None, folder: str | Path | None = None, config=None) -> Storage:
    """The store a ``STORAGE_URL`` names (``folder`` when it is empty)."""
    config = config or {}
    if not url:
        if folder is None:
            raise StorageError("No evidence folder and no storage URL is configured.")
        return LocalStorage(folder)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(unquote(parts.path))
    if parts.scheme == "s3":
        client = s3_client(config.get("S3_ENDPOINT_URL"), config.get("S3_REGION"),
                           config.get("S3_ACCESS_KEY_ID"), config.get("S3_SECRET_ACCESS_KEY"))
        return S3Storage(parts.netloc, unquote(parts.path), client)
    raise StorageError(f"Unknown storage URL {url!r}: use file:///folder or s3://bucket/prefix.")


def file_storage(config) -> Storage:
    """The evidence store of an application's configuration."""
    return storage_from_url(config.get("STORAGE_URL"), config.get("EVIDENCE_DIR"), config)


def as_storage(where: Storage | str | Path) -> Storage:
    """A store as is, or a folder as a local store."""
    return where if isinstance(where, Storage) else LocalStorage(where)


def send_stored(storage: Storage, name: str, *, download_name: str, mimetype: str, size: int | None = None):
    """A Flask response streaming the stored file ``name`` as an attachment (404 when it is missing): a local
    file through ``send_file`` (conditional and range requests), a remote one piece by piece, never whole."""
    from flask import Response, abort, send_file, stream_with_context

    path = storage.local_path(name)
    if path is not None:
        path = path.absolute()
        if not path.is_file():
            abort(404)
        return send_file(path, as_attachment=True, download_name=download_name, mimetype=mimetype)
    try:
        chunks = storage.chunks(name)
    except FileNotFoundError:
        abort(404)
    except StorageError:
        abort(503)
    response = Response(stream_with_context(chunks), mimetype=mimetype, direct_passthrough=True)
    if size is not None:
        response.content_length = size
    return response
