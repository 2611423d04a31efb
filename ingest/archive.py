"""The raw archive (Art. 22): every submission stored byte for byte, content-addressed by sha256.

Files are written to a temporary name and renamed, so a crash leaves either the whole file or
nothing. Writing the same bytes twice is harmless: the path is derived from the content, and an
existing file is kept only if its content hashes right.

Durability comes before the database row that names a file. ``store`` fsyncs each file and its
directory; a caller storing many files before one commit (the mail intake commits a FETCH batch
at once) passes ``durable=False`` and calls ``sync()`` once before committing, which flushes the
whole archive filesystem with one syncfs(2) instead of two fsyncs per file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    sha256: str
    size: int
    relative_path: str


def _load_syncfs() -> object | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    syncfs = getattr(ctypes.CDLL(name, use_errno=True), "syncfs", None)
    return syncfs


_SYNCFS = _load_syncfs()


class RawArchive:
    """A directory of immutable raw files: ``<dir>/<aa>/<bb>/<sha256><suffix>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, suffix: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"

    def store(self, data: bytes, *, suffix: str = ".eml", durable: bool = True) -> ArchivedFile:
        """Write ``data`` (unless an identical file exists) and describe it. With
        ``durable=False`` the caller must call ``sync()`` before relying on the file."""
        digest = hashlib.sha256(data).hexdigest()
        relative = self.path_for(digest, suffix)
        target = self.root / relative
        if not _holds(target, digest, len(data)):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    if durable:
                        handle.flush()
                        os.fsync(handle.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            if durable:
                _fsync_dir(target.parent)
        return ArchivedFile(sha256=digest, size=len(data), relative_path=relative)

    def store_file(self, source: Path, *, suffix: str) -> ArchivedFile:
        """Copy the file at ``source`` in chunks (constant memory), hashing as it goes."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
                while chunk := handle.read(1024 * 1024):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            relative = self.path_for(digest.hexdigest(), suffix)
            target = self.root / relative
            if target.exists() and target.stat().st_size == size:
                Path(tmp).unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
                _fsync_dir(target.parent)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return ArchivedFile(sha256=digest.hexdigest(), size=size, relative_path=relative)

    def file(self, relative_path: str) -> Path:
        """The archived file's path, for readers that want a file rather than bytes."""
        return self.root / relative_path

    def sync(self) -> None:
        """Make every file written with ``durable=False`` durable (syncfs(2), else sync(2))."""
        self.root.mkdir(parents=True, exist_ok=True)
        if _SYNCFS is not None:
            fd = os.open(self.root, os.O_RDONLY)
            try:
                if _SYNCFS(fd) == 0:  # type: ignore[operator]
                    return
            finally:
                os.close(fd)
        os.sync()

    def read(self, relative_path: str) -> bytes:
        return (self.root / relative_path).read_bytes()


def _holds(target: Path, digest: str, size: int) -> bool:
    """True when ``target`` exists with exactly the expected content (a crash may have left a
    short or empty file behind a rename that was never flushed)."""
    try:
        if target.stat().st_size != size:
            return False
        return hashlib.sha256(target.read_bytes()).hexdigest() == digest
    except FileNotFoundError:
        return False


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
