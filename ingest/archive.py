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

    def read(self, relative_path: str) -> bytes:
        return (self.root / relative_path).read_bytes()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
