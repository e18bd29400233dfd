"""Reading YAML with the line of every key and item, for errors that name file:line.

ruamel.yaml's round-trip loader keeps positions (and comments, so a machine edit of a
rule file keeps what its owner wrote: see :func:`write_yaml`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from cscore.boundary import rulefiles
from cscore.errors import RuleFileError
from cscore.rulebook.yamlerrors import explain


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    return yaml


def read_yaml(file: Path, display: str) -> tuple[Any, str]:
    """The round-trip data of a YAML file and the SHA-256 of its bytes."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise RuleFileError(display, None, f"cannot be read: {exc.strerror}") from None
    rulefiles.check_size(raw, display)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleFileError(display, None, f"is not UTF-8 text ({exc.reason})") from None
    rulefiles.scan_yaml(text, display)
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as exc:
        line, message = explain(exc)
        raise RuleFileError(display, line, message) from None
    except YAMLError as exc:
        raise RuleFileError(display, None, f"YAML error: {exc}") from None
    except (ValueError, RecursionError) as exc:  # what the scan above did not foresee
        raise RuleFileError(display, None, f"YAML cannot be loaded: {exc}") from None
    return data, hashlib.sha256(raw).hexdigest()


def write_yaml(file: Path, data: Any) -> None:
    """Write round-trip data back, comments and key order intact."""
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    file.write_text(buffer.getvalue(), encoding="utf-8")


def key_line(node: Any, key: Any, fallback: int = 1) -> int:
    """1-based line of ``key`` in a mapping."""
    if isinstance(node, CommentedMap):
        try:
            return int(node.lc.key(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            pass
    return fallback


def value_line(node: Any, key: Any, fallback: int = 1) -> int:
    """1-based line where the value of ``key`` starts (the text, for block scalars)."""
    if isinstance(node, CommentedMap):
        try:
            line = int(node.lc.value(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            return fallback
        if isinstance(node.get(key), FoldedScalarString | LiteralScalarString):
            return line + 1  # the text starts below the `>` or `|` indicator
        return line
    return fallback


def item_line(node: Any, index: int, fallback: int = 1) -> int:
    if isinstance(node, CommentedSeq):
        try:
            return int(node.lc.item(index)[0]) + 1
        except (KeyError, TypeError, AttributeError, IndexError):
            pass
    return fallback


def node_line(node: Any, fallback: int = 1) -> int:
    try:
        return int(node.lc.line) + 1
    except AttributeError:
        return fallback


def line_offset(text: Any, pos: int) -> int:
    """How many lines into a (possibly folded) scalar the character ``pos`` lies."""
    if isinstance(text, FoldedScalarString):
        folds = getattr(text, "fold_pos", []) or []
        return sum(1 for fold in folds if fold < pos) + str(text)[:pos].count("\n")
    return str(text)[:pos].count("\n")


def plain(value: Any) -> Any:
    """ruamel's scalar subclasses and containers as plain Python values."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dt.datetime):
        return dt.datetime.fromisoformat(value.isoformat())
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def with_folds(value: Any, node: Any, key: Any, lines: list[str]) -> Any:
    """A plain (unquoted, no ``>-``) scalar written over several lines comes back from
    YAML as one line; this gives it the fold positions a ``>-`` scalar has, read from
    the source lines, so :func:`line_offset` finds the line of an error on its third
    line. Anything it cannot rebuild exactly (comments, quotes) is left as it is."""
    if not isinstance(value, str) or isinstance(value, FoldedScalarString | LiteralScalarString):
        return value
    try:
        line, column = (int(n) for n in node.lc.value(key))
    except (KeyError, TypeError, AttributeError, ValueError):
        return value
    if line >= len(lines) or lines[line][column:].strip()[:1] in ("'", '"', ""):
        return value
    pieces = [lines[line][column:].strip()]
    following = line + 1
    while len(" ".join(pieces)) < len(value) and following < len(lines):
        pieces.append(lines[following].strip())
        following += 1
    if len(pieces) == 1 or " ".join(pieces) != value:
        return value
    folded = FoldedScalarString(value)
    positions, at = [], 0
    for piece in pieces[:-1]:
        at += len(piece)
        positions.append(at)  # the space that stands for the line break
        at += 1
    folded.fold_pos = positions
    return folded
