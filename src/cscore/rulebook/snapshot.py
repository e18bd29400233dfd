"""The rule files a decision was made with, by content, so that it can be replayed.

A snapshot lists every file the library had loaded (the common pack and each industry's
folder), not only those of the decision's rule sets: rebuilding a kernel on fewer files
could fail to compile another rule set (an industry rule that ``replaces:`` a common rule
no longer there). The files the decision did use win over any other version of the same
path (two versions of one file are live together only while a reload is partly failing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cscore.rulebook.library import RuleLibrary
from cscore.rulebook.model import RuleFile


@dataclass(frozen=True, slots=True)
class FileRef:
    root: str  # "common" or the industry key: the folder it goes back to on replay
    name: str  # "return.yaml"
    path: str  # as shown to people when it was read: "rules/ecommerce/return.yaml"
    sha256: str


@dataclass(frozen=True)
class RuleSnapshot:
    id: str  # "sha256:…" over the files' roots, names and hashes
    files: tuple[FileRef, ...]
    texts: dict[str, str] = field(default_factory=dict, compare=False)  # sha256 -> text


def take_snapshot(library: RuleLibrary, used: Iterable[RuleFile]) -> RuleSnapshot:
    chosen: dict[tuple[str, str], tuple[RuleFile, str | None]] = {}
    for rule_file in used:
        _add(chosen, library, rule_file, replace=True)
    for rule_file in library.files_in_use():
        _add(chosen, library, rule_file, replace=False)
    files = tuple(
        FileRef(root, name, rule_file.path, rule_file.sha256)
        for (root, name), (rule_file, _text) in sorted(chosen.items())
    )
    digest = hashlib.sha256()
    for ref in files:
        digest.update(f"{ref.root}/{ref.name}\0{ref.sha256}\n".encode())
    texts = {rule_file.sha256: text for rule_file, text in chosen.values() if text is not None}
    return RuleSnapshot("sha256:" + digest.hexdigest(), files, texts)


def _add(
    chosen: dict[tuple[str, str], tuple[RuleFile, str | None]],
    library: RuleLibrary,
    rule_file: RuleFile,
    replace: bool,
) -> None:
    root = library.root_of(rule_file)
    if root is None:  # not from a folder this library serves: nothing to put back
        return
    slot = (root, Path(rule_file.file).name)
    if replace or slot not in chosen:
        chosen[slot] = (rule_file, library.texts.get(rule_file.sha256))
