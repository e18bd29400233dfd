"""Province names (ECOM-FEE-002): the 34 provincial-level divisions, short and full.

``ship_to_province`` may be sent as ``甘肃`` or ``甘肃省``, ``新疆`` or ``新疆维吾尔自治区``;
rules (the remote-province list) and decisions see the short name. Anything else is an
impossible fact (``invalid_input``) with a did-you-mean, never silently "mainland".
The names are data: ``provinces.csv`` beside this module.
"""

from __future__ import annotations

import csv
import difflib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator

from cscore.plugin import enum

TABLE = Path(__file__).with_name("provinces.csv")


def _read(path: Path) -> dict[str, str]:
    """Every accepted name → its short name."""
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    names: dict[str, str] = {}
    for row in csv.DictReader(lines):
        short, full = row["short"].strip(), row["full"].strip()
        names[short] = short
        names[full] = short
    return names


NAMES = _read(TABLE)
SHORT_NAMES = tuple(dict.fromkeys(NAMES.values()))


def suggestion(text: str) -> str | None:
    """The official name closest to ``text`` (a Chinese name is short: a low cutoff)."""
    for name in sorted(NAMES, key=len, reverse=True):
        if text.startswith(NAMES[name]):  # 新疆自治区, 广西自治区: the short name leads
            return next(
                full for full, short in NAMES.items() if short == NAMES[name] and full != short
            )
    found = difflib.get_close_matches(text, list(NAMES), n=1, cutoff=0.5)
    return found[0] if found else None


def normalise(value: Any) -> Any:
    """A province's short name; a ValueError naming the closest one for anything else."""
    if not isinstance(value, str):
        return value  # the type check after this names the problem
    text = value.strip()
    short = NAMES.get(text)
    if short is not None:
        return short
    near = suggestion(text)
    hint = f" (did you mean '{near}'?)" if near else ""
    raise ValueError(
        f"unknown province {value!r}{hint}: use one of the 34 provincial-level divisions, "
        "short (甘肃) or full (甘肃省)"
    )


# The language type lists the short names, so a rule file's province list is checked
# against them when it loads (a typo in remote_provinces is a load error).
Province = Annotated[str, BeforeValidator(normalise), enum(SHORT_NAMES)]
