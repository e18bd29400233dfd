"""The decision log's write-ahead journal: a decision is durable once it is appended.

A store that writes (not ``":memory:"``, not read-only) keeps one journal file beside
the log, ``<log>.journal-<time>-<pid>-<random>``, owner-only (0600) like the log. A caller
appends its decision's row (already serialised: the log's columns) as ONE ``os.write``
of one frame and returns; the bytes are then in the operating system, so the decision
survives the process being killed exactly as a WAL commit with ``synchronous=NORMAL``
does (neither survives the machine losing power: no fsync). A loader process loads the
journaled decisions into SQLite behind the callers, in batches
(:mod:`cscore.store.loader`); the store loads what is left itself when it flushes,
reads or closes (:func:`cscore.store.load.load_journal`: the two never load a record
twice).

Frames: ``length (u32) + crc32 (u32) + payload``, after an 8-byte file header. A payload
is a :mod:`marshal`-ed tuple of plain values (texts, numbers, ``None``; a C encoder, a
quarter of what JSON costs): ``("D", ...)`` for a decision as its parts, whose texts the
loader writes (:func:`cscore.store.logtext.decision_record`), naming the static pieces
of its trace text by number; ``("t", first, pieces)``, those pieces, written before the
first decision that names them; ``("d", row)`` for a decision whose texts were written
already; ``("s", id, files, texts)`` for a rule file set,
written once per journal file before the first decision that names it (so a recovered
decision's rule files are in the log, as a live one's are). A torn or corrupt tail (a
crash mid-write, a disk that filled up) ends the journal: recovery ignores it and
everything after it. A write that fails is cut off again (the file is truncated back to
where the frame began) and the caller gets a :class:`StoreError`.

Ownership: the store holds an exclusive ``fcntl.flock`` on its journal for as long as it
is open; a journal whose lock can be taken belongs to a process that is gone. A journal
is created under a temporary name, locked, and only then renamed into place, so another
process never finds it unlocked.

Progress: the table ``journals`` (name → committed offset) is updated in the same
transaction as the rows it covers, so after a crash between the SQLite commit and the
journal being trimmed, recovery starts at the committed offset and loads nothing twice.

Rotation: once a journal passes :data:`ROTATE_BYTES` the next decision goes to a new
one; the old file is removed as soon as everything in it is committed (its progress row
goes in the next transaction). :meth:`DecisionStore.close` removes the journal once
everything is committed; a journal it could not load (SQLite busy past its timeout)
stays and is recovered by the next writer that opens the log.

Recovery (:func:`orphans`, :func:`read`): when a store opens the log for writing, each
orphaned journal is read from its committed offset and loaded in one transaction, then
removed. Readers (``read_only``, the ``cscore decisions`` listings) never recover: a
crashed process's last decisions appear once a writer opens the log.
"""

from __future__ import annotations

import errno
import fcntl
import marshal
import os
import secrets
import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cscore.errors import StoreError

# Magic and format version. Version 2 added the "D" record (a decision as its parts);
# a version 1 journal (a crash before an upgrade) is read all the same.
HEADER = b"cscJ\x02\x00\x00\x00"
READABLE = (HEADER, b"cscJ\x01\x00\x00\x00")
FRAME = struct.Struct("<II")  # payload length, crc32 of the payload
ROTATE_BYTES = 8 * 1024 * 1024  # a journal past this size gives way to a new one
MAX_RECORD = 256 * 1024 * 1024  # a length beyond this is a corrupt frame, not a record
_INFIX = ".journal-"
_NEW = ".newjournal-"  # a journal being created (not locked yet: never recovered)
_write = os.write  # (tests make it fail: a full disk)

Row = tuple[Any, ...]


def frame(record: tuple[Any, ...]) -> bytes:
    return framed(marshal.dumps(record))


def framed(payload: bytes) -> bytes:
    """A record marshalled already, as a frame."""
    return FRAME.pack(len(payload), zlib.crc32(payload)) + payload


@dataclass(eq=False)
class Segment:
    """One journal file of this process: where its records end and how far SQLite has
    them (``committed``: both byte offsets)."""

    path: Path
    fd: int
    end: int = len(HEADER)
    committed: int = len(HEADER)
    retired: bool = False  # rotated away from: no record is appended any more
    sets: set[str] = field(default_factory=set)  # rule file sets written in this file
    pieces: int = 0  # the numbered trace pieces written in this file (logtext)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def done(self) -> bool:
        return self.retired and self.committed >= self.end


def create(log: Path) -> Segment:
    """A new journal beside ``log``: created 0600 under a temporary name, locked, renamed."""
    # the time first: journals sort in the order they were created (and are recovered so)
    token = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
    temporary = log.with_name(log.name + _NEW + token)
    final = log.with_name(log.name + _INFIX + token)
    fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, HEADER)
        os.rename(temporary, final)
    except OSError:
        os.close(fd)
        _unlink(temporary)
        raise
    return Segment(final, fd)


def append(segment: Segment, data: bytes) -> None:
    """One ``os.write`` of whole frames; on failure the file is cut back to where they
    began (a later frame must not follow a torn one) and StoreError says why."""
    try:
        written = _write(segment.fd, data)
        if written != len(data):
            raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)} bytes)")
    except OSError as exc:
        try:
            os.ftruncate(segment.fd, segment.end)
        except OSError:
            segment.retired = True  # cannot be repaired: the next decision takes a new file
        raise StoreError(f"decision not logged ({segment.path}): {exc.strerror or exc}") from None
    segment.end += len(data)


def remove(segment: Segment) -> None:
    """Unlink, then close (the lock goes with the descriptor: nobody finds it orphaned)."""
    _unlink(segment.path)
    try:
        os.close(segment.fd)
    except OSError:
        pass


def release(segment: Segment) -> None:
    """Close without removing: the journal is orphaned and the next writer recovers it."""
    try:
        os.close(segment.fd)
    except OSError:
        pass


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def names(log: Path) -> set[str]:
    """The names of the journals beside ``log`` now (live or orphaned)."""
    prefix = log.name + _INFIX
    try:
        return {entry.name for entry in os.scandir(log.parent) if entry.name.startswith(prefix)}
    except OSError:
        return set()


class Orphan:
    """A journal whose owner is gone, locked by us while it is recovered."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    @property
    def name(self) -> str:
        return self.path.name

    def close(self, remove_file: bool) -> None:
        if remove_file:
            _unlink(self.path)
        os.close(self.fd)


def orphans(log: Path) -> list[Orphan]:
    """Every journal beside ``log`` whose lock can be taken (its process is gone), now
    locked by this one. A journal someone else removed meanwhile (recovered by another
    process that held it just before us) is skipped; so is a half-created one, which
    holds no record and is removed."""
    found: list[Orphan] = []
    try:
        entries = sorted(os.scandir(log.parent), key=lambda entry: entry.name)
    except OSError:
        return found
    for entry in entries:
        new = entry.name.startswith(log.name + _NEW)
        if not (new or entry.name.startswith(log.name + _INFIX)):
            continue
        path = Path(entry.path)
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            same = os.fstat(fd)
            if same.st_nlink == 0 or os.stat(path).st_ino != same.st_ino:
                raise FileNotFoundError(path)  # recovered and removed by another process
        except OSError:
            os.close(fd)  # live (locked) or gone
            continue
        if new:
            _unlink(path)
            os.close(fd)
            continue
        found.append(Orphan(path, fd))
    return found


READ_WINDOW = 1 << 20  # bytes read at a time (a loader polling a long journal)


def read(fd: int, start: int, limit: int | None = None) -> tuple[list[tuple[Any, ...]], int]:
    """The records from byte ``start`` on (at most ``limit``), and where the last whole
    one ends; a torn or corrupt frame (bad length, crc, or payload) ends the journal
    there. Only the header and what follows ``start`` are read, a window at a time
    (a loader polls, taking ``limit`` records from a journal of megabytes)."""
    if os.pread(fd, len(HEADER), 0) not in READABLE:
        return [], len(HEADER)
    position = max(start, len(HEADER))
    size = os.fstat(fd).st_size
    records: list[tuple[Any, ...]] = []
    window = READ_WINDOW
    while position < size and (limit is None or len(records) < limit):
        data = os.pread(fd, min(size - position, window), position)
        used, short = _frames(data, records, limit)
        position += used
        if not short or position + len(data) - used >= size:
            break  # ended (a torn or corrupt frame, or the limit), or nothing more
        if used == 0:
            window *= 2  # one frame longer than the window: read it whole
    return records, position


class UnreadableRecord(OSError):
    """A journal holds a record that cannot be loaded as it is (it names a trace piece
    the file does not hold): nothing is loaded past it, and the journal stays."""


def _frames(data: bytes, records: list[tuple[Any, ...]], limit: int | None) -> tuple[int, bool]:
    """Append the whole frames at the start of ``data`` to ``records``; the bytes they
    take, and whether ``data`` ended in the middle of a frame (read on: not an end)."""
    position = 0
    while limit is None or len(records) < limit:
        if position + FRAME.size > len(data):
            return position, True  # the window ends here: more may follow it
        length, crc = FRAME.unpack_from(data, position)
        body = position + FRAME.size
        if length > MAX_RECORD:
            return position, False  # corrupt
        if body + length > len(data):
            return position, True  # the rest of the frame is beyond this window
        payload = data[body : body + length]
        if zlib.crc32(payload) != crc:
            return position, False
        try:
            record = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return position, False
        if not _plausible(record):
            return position, False
        records.append(record)
        position = body + length
    return position, False


def _plausible(record: Any) -> bool:
    """A record as the store writes them: a tuple tagged "d" (with a row), "D" (a
    decision's parts) or "s"."""
    if type(record) is not tuple or not record:
        return False
    if record[0] == "d":
        return len(record) == 2 and type(record[1]) is tuple
    if record[0] == "D":
        return len(record) == 7 and type(record[1]) is tuple
    if record[0] == "t":
        return len(record) == 3 and type(record[1]) is int and type(record[2]) is list
    return record[0] == "s" and len(record) == 4
