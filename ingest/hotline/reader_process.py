"""Read and map a large export in a separate process, on the machine's second core.

The parent (the importer) looks up, stores and commits batches while a worker process reads the
next rows of the file and maps them (``ingest.hotline.rows`` is pure), about a quarter less wall
time for a 100,000-row export (bench/import_hotline.py). The worker is a fresh interpreter
(``python -m ingest.hotline.reader_process``), never a fork: the daemon has threads and open
database connections. Small files are read in-process, where starting a worker would dominate.

Every guarantee of the in-process reader stands, because the parent still commits each batch
(``importer.py``): the file is archived before the worker opens it; the worker sends the rows in
frames through a pipe, which blocks it when the parent falls behind (memory stays bounded); a
file that cannot be opened, or breaks mid-way after some rows, raises ``UnreadableFile`` in the
parent with the worker's reason, after the rows read before the damage; an unforeseen error in
the worker is raised in the parent as that error.

Wire format (pickle frames on the worker's stdout; the request on its stdin):
``("open", format, reader, estimated_rows)``, then after the parent's ``start_after``:
``("rows", estimated_rows, [row tuples])`` …, and ``("end",)``, ``("unreadable", reason)`` or
``("error", exception)``. A row tuple carries what the importer uses of a ``MappedRow``: the row
number, the record's channel, number and recording, issues, skip reason, canonical JSON and its
digest; the record's content travels only as the canonical JSON (what is stored).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from ingest.hotline.rows import MappedRow, RowIssue, SourceRecord
from ingest.hotline.tables import UnreadableFile
from ingest.hotline.worksheet import HotlineExport, open_export

# Files below this size are read in-process (~3,500 .xlsx rows or ~900 CSV rows): the worker's
# start-up (~0.2 s) would cost more than it saves.
WORKER_MIN_BYTES = 256 * 1024
FRAME_ROWS = 1000
# Frames read ahead of the importer (a thread drains the pipe while a batch commits): two
# batches of 5,000 rows, a few MB; the worker waits when they are all unread.
READ_AHEAD_FRAMES = 10
_LENGTH = struct.Struct("<Q")
_ROOT = Path(__file__).resolve().parents[2]

RowTuple = tuple[int, str, str | None, str, tuple[tuple[Any, ...], ...], str, str, str]


def open_hotline_export(
    path: Path,
    synonyms: Mapping[str, tuple[str, ...]],
    *,
    in_memory_limit: int,
    worker_min_bytes: int = WORKER_MIN_BYTES,
) -> HotlineExport | ExportReader:
    """Open an export for import: in a worker process from ``worker_min_bytes`` on, else here."""
    if path.stat().st_size < worker_min_bytes:
        return open_export(path, synonyms, in_memory_limit=in_memory_limit)
    return ExportReader(path, synonyms, in_memory_limit=in_memory_limit)


def _to_tuple(row: MappedRow) -> RowTuple:
    record = row.record
    issues = tuple((i.row, i.column, i.value, i.reason, i.fatal) for i in row.issues)
    if record is None:
        return (row.row, "", None, "", issues, row.skipped, "", "")
    return (
        row.row,
        record.channel,
        record.number,
        record.recording,
        issues,
        row.skipped,
        row.payload_json,
        row.digest,
    )


def _from_tuple(item: RowTuple) -> MappedRow:
    number, channel, text, recording, issues, skipped, payload, digest = item
    record = None if text is None else SourceRecord(channel, text, number, recording=recording)
    found = tuple(RowIssue(*issue) for issue in issues) if issues else ()
    return MappedRow(number, record, found, skipped, payload, digest)


class ExportReader:
    """An export read and mapped by a worker process; the ``RecordFile`` the importer uses."""

    def __init__(
        self, path: Path, synonyms: Mapping[str, tuple[str, ...]], *, in_memory_limit: int
    ):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(  # our own module, no shell
            [sys.executable, "-m", "ingest.hotline.reader_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        self._estimate: int | None = None
        self._frames: queue.Queue[bytes | None] = queue.Queue(READ_AHEAD_FRAMES)
        self._drain = threading.Thread(target=self._read_frames, daemon=True)
        self._drain.start()
        try:
            self._send((str(path), dict(synonyms), in_memory_limit))
            frame = self._receive()
            if frame[0] != "open":
                self._raise(frame)
        except BaseException:
            self.close()
            raise
        self._format, self._reader, self._estimate = frame[1], frame[2], frame[3]

    @property
    def format(self) -> str:
        return self._format

    @property
    def reader(self) -> str:
        return self._reader

    def estimated_rows(self) -> int | None:
        return self._estimate

    def rows(self, start_after: int = 0) -> Iterator[MappedRow]:
        with contextlib.suppress(BrokenPipeError):  # a dead worker is reported by _receive
            self._send(start_after)
        while True:
            frame = self._receive()
            if frame[0] != "rows":
                break
            self._estimate = frame[1]
            yield from map(_from_tuple, frame[2])
        if frame[0] != "end":
            self._raise(frame)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        while self._drain.is_alive():  # unblock its last put: the pipe is at its end now
            with contextlib.suppress(queue.Empty):
                self._frames.get(timeout=0.1)
        for stream in (self._to, self._from):
            with contextlib.suppress(OSError):  # the worker is gone: a broken pipe on flush
                stream.close()

    def _send(self, value: object) -> None:
        pickle.dump(value, self._to, protocol=pickle.HIGHEST_PROTOCOL)
        self._to.flush()

    def _read_frames(self) -> None:
        """The drain thread: the worker's frames as bytes (read without the GIL), then None."""
        try:
            while True:
                head = self._from.read(_LENGTH.size)
                data = self._from.read(_LENGTH.unpack(head)[0]) if len(head) == 8 else b""
                if not data:
                    break
                self._frames.put(data)
        except (OSError, ValueError):  # closed under it: the parent is giving up anyway
            pass
        self._frames.put(None)

    def _receive(self) -> tuple[Any, ...]:
        data = self._frames.get()
        if data is None:
            self._frames.put(None)  # stays at its end for a later call
            code = self._process.wait()
            raise RuntimeError(f"读取子进程意外退出（退出码 {code}）")
        frame: tuple[Any, ...] = pickle.loads(data)  # noqa: S301 - our own worker
        return frame

    @staticmethod
    def _raise(frame: tuple[Any, ...]) -> None:
        if frame[0] == "unreadable":
            raise UnreadableFile(frame[1])
        error = frame[1]
        raise error if isinstance(error, BaseException) else RuntimeError(str(error))


def _serve(inbox: IO[bytes], out: IO[bytes]) -> None:
    """The worker: open the export, wait for ``start_after``, stream its mapped rows."""

    def send(frame: tuple[Any, ...]) -> None:
        _write_frame(out, frame)

    path, synonyms, limit = pickle.load(inbox)  # noqa: S301 - from our parent
    try:
        export = open_export(Path(path), synonyms, in_memory_limit=limit)
    except UnreadableFile as problem:
        send(("unreadable", str(problem)))
        return
    try:
        send(("open", export.format, export.reader, export.estimated_rows()))
        start_after = pickle.load(inbox)  # noqa: S301 - from our parent
        frame: list[RowTuple] = []
        try:
            for row in export.rows(start_after):
                frame.append(_to_tuple(row))
                if len(frame) >= FRAME_ROWS:
                    send(("rows", export.estimated_rows(), frame))
                    frame = []
        except UnreadableFile as problem:  # the rows before the damage first
            send(("rows", export.estimated_rows(), frame))
            send(("unreadable", str(problem)))
            return
        send(("rows", export.estimated_rows(), frame))
        send(("end",))
    finally:
        export.close()


def _write_frame(out: IO[bytes], frame: tuple[Any, ...]) -> None:
    data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()


def main() -> int:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt a frame
    inbox = sys.stdin.buffer
    try:
        _serve(inbox, out)
    except (BrokenPipeError, EOFError):  # the parent stopped reading (killed, or failed)
        return 1
    except Exception as error:  # the parent raises it as the file's unforeseen error
        try:
            pickle.dumps(error)
        except Exception:  # an error that cannot travel travels as text
            error = RuntimeError(f"{type(error).__name__}: {error}")
        try:
            _write_frame(out, ("error", error))
        except BrokenPipeError:
            return 1
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
