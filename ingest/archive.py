"""The raw archive (Art. 22): every submission stored byte for byte, content-addressed by sha256.

Files are written to a temporary name, fsynced and renamed, so a crash leaves either the whole
file or nothing. Writing the same bytes twice is harmless: the path is derived from the content.
"""

from __future__ import annotations

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


class RawArchive:
    """A directory of immutable raw files: ``<dir>/<aa>/<bb>/<sha256><suffix>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, suffix: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"

    def store(self, data: bytes, *, suffix: str = ".eml") -> ArchivedFile:
        """Write ``data`` durably (unless an identical file exists) and describe it."""
        digest = hashlib.sha256(data).hexdigest()
        relative = self.path_for(digest, suffix)
        target = self.root / relative
        if not (target.exists() and target.stat().st_size == len(data)):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
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

    def read(self, relative_path: str) -> bytes:
        return (self.root / relative_path).read_bytes()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
