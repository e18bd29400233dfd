"""CSV decision tables: one row per rule, for what is naturally a table (fees by
province, warranty years by category). A shop manager edits them in a spreadsheet::

    # 运费表 ECOM-FEE-001..004
    # hit: first              ← how the table's outputs are settled (default: first)
    # kinds: fee              ← optional; else the file name's first word
    id,name,when courier_reachable,when goods_amount_paid,set shipping_fee,set carrier
    ECOM-FEE-004,申通不到 按EMS实收,false,,ems_quote,EMS
    ECOM-FEE-001,满99包邮,true,>= free_shipping_threshold,0,standard

Columns: ``id`` (required), ``name``, ``priority``, ``when`` (a free condition),
``when <fact>`` (a test of that fact), ``set <key>`` (a value). A ``when <fact>`` cell
is empty or ``-`` (any value), a value (``== value``), ``a|b|c`` (one of them),
``null`` / ``not null``, or starts with an operator (``>= 99``, ``!= phone``,
``not in [a, b]``). Other ``# key: value`` lines: ``values: k1, k2`` marks set columns
as intermediate values rather than outputs; ``title: …``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path
from typing import Any

from cscore.boundary import rulefiles
from cscore.errors import RuleFileError, did_you_mean
from cscore.rulebook.model import HIT_POLICIES, KeySpec, RuleFile, RuleSpec, SetSpec, Where

DIRECTIVES = ("hit", "kinds", "values", "title", "owner", "source", "note")
_OPERATORS = ("not in ", "in ", "<=", ">=", "!=", "==", "<", ">")
# What float() would read as a number, non-finite words included (nan, -Infinity).
_NUMBERISH = re.compile(r"\s*[-+]?(\d|\.\d|nan|inf)[\w.+-]*\s*", re.IGNORECASE)


def read_decision_table(file: Path, display: str) -> RuleFile:
    try:
        raw = file.read_bytes()
        text = raw.decode("utf-8-sig")  # Excel writes a byte-order mark
    except OSError as exc:
        raise RuleFileError(display, None, f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise RuleFileError(display, None, f"is not UTF-8 text ({exc.reason})") from None
    rulefiles.check_size(raw, display)
    lines = text.splitlines()
    settings: dict[str, tuple[str, int]] = {}
    first_row = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            first_row = number
            break
        body = stripped.lstrip("#").strip()
        key, sep, value = body.partition(":")
        if sep and key.strip() in DIRECTIVES:
            settings[key.strip()] = (value.strip(), number)
    if not first_row:
        raise RuleFileError(display, None, "a decision table needs a header row (id,name,when …)")
    hit, hit_line = settings.get("hit", ("first", first_row))
    if hit not in HIT_POLICIES:
        raise RuleFileError(
            display, hit_line, f"unknown hit policy '{hit}'{did_you_mean(hit, HIT_POLICIES)}"
        )
    kinds = None
    if "kinds" in settings:
        kinds = tuple(k.strip() for k in settings["kinds"][0].split(",") if k.strip())
    intermediate = {v.strip() for v in settings.get("values", ("", 0))[0].split(",") if v.strip()}
    reader = csv.reader(io.StringIO("\n".join(lines[first_row - 1 :])))
    try:
        return _read_rows(reader, display, first_row, file, raw, settings, hit, kinds, intermediate)
    except csv.Error as exc:  # a cell past csv's field limit, a stray NUL
        at = first_row + reader.line_num - 1
        raise RuleFileError(display, at, f"CSV error: {exc}") from None


def _read_rows(
    reader: Any,
    display: str,
    first_row: int,
    file: Path,
    raw: bytes,
    settings: dict[str, tuple[str, int]],
    hit: str,
    kinds: tuple[str, ...] | None,
    intermediate: set[str],
) -> RuleFile:
    header = [cell.strip() for cell in next(reader)]
    columns = [_column(name, index, display, first_row) for index, name in enumerate(header)]
    if "id" not in [c[0] for c in columns]:
        raise RuleFileError(display, first_row, "the header needs an 'id' column (the catalog id)")
    where_header = Where(display, first_row)
    keys = {
        name: KeySpec(name, hit, where_header, report=name not in intermediate)  # type: ignore[arg-type]
        for kind, name in columns
        if kind == "set"
    }
    rules = []
    for row in reader:
        row_line = first_row + reader.line_num - 1
        if not any(cell.strip() for cell in row) or row[0].strip().startswith("#"):
            continue
        if len(row) != len(columns):  # a missing cell would silently drop an output
            raise RuleFileError(
                display,
                row_line,
                f"{len(row)} cells but {len(columns)} columns: every row needs a cell for "
                "every column (leave a cell empty, but keep its comma)",
            )
        rules.append(_row_rule(columns, row, display, row_line))
    return RuleFile(
        path=display,
        file=file,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=settings.get("title", ("", 0))[0],
        kinds=kinds,
        kinds_where=Where(display, settings["kinds"][1]) if "kinds" in settings else None,
        keys=keys,
        rules=tuple(rules),
    )


def _column(name: str, index: int, path: str, line: int) -> tuple[str, str]:
    lowered = name.lower()
    if lowered in ("id", "name", "priority", "when", "message"):
        return lowered, lowered
    for prefix in ("when ", "set "):
        if lowered.startswith(prefix) and name[len(prefix) :].strip():
            return prefix.strip(), name[len(prefix) :].strip()
    choices = ["id", "name", "priority", "when", "message", "when <fact>", "set <key>"]
    raise RuleFileError(
        path,
        line,
        f"column {index + 1} '{name}' is not one of {', '.join(choices)}"
        f"{did_you_mean(lowered, ['id', 'name', 'priority', 'when', 'message'])}",
    )


def _row_rule(columns: list[tuple[str, str]], row: list[str], path: str, line: int) -> RuleSpec:
    values = {"id": "", "name": "", "priority": "0", "message": ""}
    tests: list[str] = []
    sets: list[SetSpec] = []
    where = Where(path, line)
    for (kind, name), cell in zip(columns, row, strict=False):
        cell = cell.strip()
        if kind in values:
            values[kind] = cell
        elif kind == "when":
            if name == "when" and cell:
                tests.append(f"({cell})")
            elif name != "when":
                test = _cell_test(name, cell)
                if test:
                    tests.append(test)
        elif kind == "set" and cell:
            problem = rulefiles.number_problem(cell) if _NUMBERISH.fullmatch(cell) else None
            if problem:
                raise RuleFileError(path, line, f"set {name}: {problem}", values["id"] or None)
            sets.append(SetSpec(name, _cell_value(cell), where))
    if not values["id"]:
        raise RuleFileError(path, line, "every row needs an id (the catalog id)")
    try:
        priority = int(values["priority"] or 0)
    except ValueError:
        raise RuleFileError(path, line, "priority must be a whole number", values["id"]) from None
    if not sets:
        raise RuleFileError(path, line, "the row sets nothing (fill a 'set …' cell)", values["id"])
    return RuleSpec(
        id=values["id"],
        name=values["name"] or values["id"],
        where=where,
        when=" and ".join(tests) if tests else None,
        when_where=where if tests else None,
        sets=tuple(sets),
        priority=priority,
        message=values["message"] or None,
    )


def _cell_test(fact: str, cell: str) -> str | None:
    if cell in ("", "-", "*"):
        return None
    if cell == "null":
        return f"{fact} == null"
    if cell == "not null":
        return f"{fact} != null"
    for operator in _OPERATORS:
        if cell.startswith(operator):
            return f"{fact} {cell}"
    if "|" in cell:
        options = ", ".join(part.strip() for part in cell.split("|") if part.strip())
        return f"{fact} in [{options}]"
    return f"{fact} == {cell}"


def _cell_value(cell: str) -> object:
    for cast in (int, float):
        try:
            return cast(cell)
        except ValueError:
            continue
    if cell in ("true", "false"):
        return cell == "true"
    return cell
