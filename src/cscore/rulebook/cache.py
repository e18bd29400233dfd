"""Rule files as read, cached on disk by content, so a kernel starts without re-parsing.

Parsing YAML with line numbers is most of a kernel's start (86 % of loading 1,000
rules). What a format reads from a file (a :class:`RuleFile`) is kept, pickled, under
a name made of the file's bytes, its path as shown (errors and traces name it), the
format's suffix
and the cscore version: an edited file, a moved one, another format or another cscore
is a new name, so a cached entry is never stale, only unused. Checking, compiling and
loading into the engine still run at every start (they depend on the installed
plugins, and every rule condition is registered with the engine anew).

Where: ``$CSCORE_CACHE_DIR``, else ``$XDG_CACHE_HOME/cscore``, else ``~/.cache/cscore``
(``rules/`` inside it). ``CSCORE_CACHE_DIR=off`` turns the cache off. The folder is
created owner-only (0700) and not used if another user owns it or others may write to
it (a pickle from someone else must never be loaded). Entries are written to a
temporary file and renamed into place, so processes that start together never read a
half-written one; an entry that cannot be read is ignored and written again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import cscore
from cscore.rulebook.model import RuleFile
from cscore.rulebook.pickling import QuickPickler

OFF = ("off", "0", "no", "none", "")


def cache_dir() -> Path | None:
    """The folder of cached rule files, or None when the cache is off."""
    configured = os.environ.get("CSCORE_CACHE_DIR")
    if configured is not None:
        if configured.strip().lower() in OFF:
            return None
        base = Path(configured)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "cscore"
    return base / "rules"


def _usable(folder: Path) -> bool:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def usable(folder: Path | None) -> Path | None:
    """The folder, created owner-only, if it is safe to keep pickles in; else None."""
    return folder if folder is not None and _usable(folder) else None


class RuleCache:
    def __init__(self, folder: Path | None = None) -> None:
        folder = folder if folder is not None else cache_dir()
        self.folder = folder if folder is not None and _usable(folder) else None
        self.hits = 0
        self.misses = 0

    def read(
        self, read: Callable[[Path, str], RuleFile], suffix: str, file: Path, display: str
    ) -> RuleFile:
        """The file as ``read`` makes of it, from the cache when its content was seen."""
        if self.folder is None:
            return read(file, display)
        try:
            raw = file.read_bytes()
        except OSError:
            return read(file, display)  # the format says why, with the file's name
        name = hashlib.sha256(
            "\0".join((cscore.__version__, suffix, display)).encode() + b"\0" + raw
        ).hexdigest()
        entry = self.folder / f"{name}.pickle"
        try:
            with entry.open("rb") as handle:
                cached = pickle.load(handle)
            if isinstance(cached, RuleFile) and cached.path == display:
                self.hits += 1
                return cached if cached.file == file else dataclasses.replace(cached, file=file)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass  # absent or unreadable: read the file and write the entry anew
        self.misses += 1
        rule_file = read(file, display)
        if hashlib.sha256(raw).hexdigest() == rule_file.sha256:  # not edited meanwhile
            self._write(entry, rule_file)
        return rule_file

    def _write(self, entry: Path, rule_file: RuleFile) -> None:
        try:
            buffer = io.BytesIO()
            QuickPickler(buffer).dump(rule_file)  # read back by constructors (pickling)
            data = buffer.getvalue()
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # a plugin format's objects that cannot be pickled: not cached
        assert self.folder is not None
        try:
            fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, entry)  # atomic: readers see all of it or nothing
        except OSError:
            try:
                os.unlink(temporary)
            except (OSError, UnboundLocalError):
                pass
