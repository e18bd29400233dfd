"""Rule files cached on disk by content: a second kernel parses nothing, an edit is a
new entry, a folder others may write to is never used, a broken entry is read anew."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cscore.kernel import Kernel
from cscore.rulebook.cache import RuleCache, cache_dir

from .conftest import return_case


def _kernel(rules: Path) -> Kernel:
    return Kernel(rules_dir=rules)


def test_a_second_kernel_reads_every_rule_file_from_the_cache(
    rules_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSCORE_CACHE_DIR", str(tmp_path / "cache"))
    with _kernel(rules_copy) as first:
        answer = first.evaluate(return_case()).to_json_dict()
        assert first.library.cache.misses > 0 and first.library.cache.hits == 0
        read = first.library.cache.misses
    with _kernel(rules_copy) as second:
        assert (second.library.cache.hits, second.library.cache.misses) == (read, 0)
        assert second.evaluate(return_case()).to_json_dict() == answer
    entries = list((tmp_path / "cache" / "rules").iterdir())
    assert len(entries) == read and all(e.suffix == ".pickle" for e in entries)
    assert (tmp_path / "cache" / "rules").stat().st_mode & 0o077 == 0  # owner-only


def test_an_edited_file_is_read_again(
    rules_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSCORE_CACHE_DIR", str(tmp_path / "cache"))
    with _kernel(rules_copy) as kernel:
        kernel.evaluate(return_case())
    path = rules_copy / "ecommerce" / "return.yaml"
    text = path.read_text(encoding="utf-8")
    # A 2-day window instead of 7 (delivered 03-02, asked 03-06): the case is now rejected.
    edited = text.replace("no_reason_days: 7 ", "no_reason_days: 2 ", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    with _kernel(rules_copy) as kernel:
        assert kernel.library.cache.misses == 1  # only the edited file
        outcome = kernel.evaluate(return_case()).outcomes["return"]
    assert outcome["decision"] == "reject"


def test_a_folder_others_may_write_to_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o777)
    assert RuleCache(folder).folder is None


def test_a_broken_entry_is_ignored_and_written_again(
    rules_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSCORE_CACHE_DIR", str(tmp_path / "cache"))
    _kernel(rules_copy).close()
    entries = sorted((tmp_path / "cache" / "rules").iterdir())
    entries[0].write_bytes(b"not a pickle")
    with _kernel(rules_copy) as kernel:
        assert kernel.library.cache.misses == 1
        assert kernel.evaluate(return_case()).outcomes["return"]["decision"] == "return"
    assert entries[0].read_bytes() != b"not a pickle"


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CSCORE_CACHE_DIR", "off")
    assert cache_dir() is None
    monkeypatch.delenv("CSCORE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "cscore" / "rules"
