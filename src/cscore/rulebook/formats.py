"""Rule-file formats, registered by suffix through the ``register_rule_formats`` hook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cscore.rulebook.model import RuleFile

CASES_SUFFIX = ".cases.yaml"  # rule tests live beside the rules; never rules themselves


@dataclass(frozen=True)
class RuleFormat:
    suffix: str  # ".yaml"
    read: Callable[[Path, str], RuleFile]  # (file, path shown to people) -> RuleFile
    description: str = ""
    plugin: str = ""
    # What it reads depends on the file's bytes alone (not on other files or settings),
    # so it may be cached by content (rulebook.cache). Off unless a format says so.
    cacheable: bool = False

    def handles(self, file: Path) -> bool:
        return file.name.endswith(self.suffix) and not file.name.endswith(CASES_SUFFIX)
