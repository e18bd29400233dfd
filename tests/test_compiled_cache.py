"""Compiled rule sets cached on disk (rulebook.compiled_cache): a second kernel, also in
another process, compiles nothing and decides exactly alike; an edited file, another
function set or implementation, another cscore version is another entry; a corrupt
entry is compiled anew, never raised."""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import cscore
from cscore import hookimpl
from cscore.kernel import Kernel
from cscore.language.functions import FunctionSpec
from cscore.language.types import NUMBER
from cscore.rulebook.pickling import QuickPickler, positional_fields

from .conftest import return_case
from .test_engine_split import _clock, _decide, _every_case
from .test_plugins import DemoIndustry, demo_rules


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CSCORE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_second_kernel_compiles_nothing_and_decides_alike(rules_copy: Path, cache: Path) -> None:
    first = Kernel(rules_dir=rules_copy, clock=_clock)
    count = len(first.library.compiled())
    assert (first.library.compiled_cache.hits, first.library.compiled_cache.misses) == (0, count)
    second = Kernel(rules_dir=rules_copy, clock=_clock)
    try:
        found = second.library.compiled_cache
        # every entry found, none read yet: each is read when a case first needs it
        assert (found.found, found.hits, found.misses) == (count, 0, 0)
        entries = list((cache / "compiled").iterdir())
        assert len(entries) == count and (cache / "compiled").stat().st_mode & 0o077 == 0
        second.evaluate(return_case())
        assert (found.hits, found.misses) == (1, 0)  # ecommerce.return alone
        for case in _every_case():
            assert _decide(second, case) == _decide(first, case), case.get("id")
        assert len(second.library.compiled()) == count
        assert (found.hits, found.misses) == (count, 0)
    finally:
        first.close()
        second.close()


def test_a_new_process_finds_the_entries(rules_copy: Path, cache: Path) -> None:
    """Names are the same in every process (no set order or object identity in them)."""
    script = (
        "from cscore.kernel import Kernel; import sys; "
        "k = Kernel(rules_dir=sys.argv[1]); c = k.library.compiled_cache; "
        "n = len(k.library.compiled()); print(c.hits, c.misses, n)"
    )
    seen = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script, str(rules_copy)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        seen.append(tuple(int(n) for n in run.stdout.split()))
    (hits1, misses1, count1), (hits2, misses2, count2) = seen
    assert (hits1, misses1) == (0, count1)
    assert (hits2, misses2) == (count2, 0)


def test_an_edited_file_compiles_its_rule_set_again(rules_copy: Path, cache: Path) -> None:
    Kernel(rules_dir=rules_copy).close()
    path = rules_copy / "ecommerce" / "return.yaml"
    text = path.read_text(encoding="utf-8")
    edited = text.replace("no_reason_days: 7 ", "no_reason_days: 2 ", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    with Kernel(rules_dir=rules_copy) as kernel:
        assert kernel.library.compiled_cache.misses == 1  # ecommerce.return alone
        assert kernel.evaluate(return_case()).outcomes["return"]["decision"] == "reject"


RULES = """\
outputs: {amount_due: priority}
rules:
  - id: DEMO-1
    when: amount > limit()
    set: {amount_due: 0}
  - id: DEMO-2
    priority: -1
    when: amount >= 0
    set: {amount_due: amount}
"""


def _limit(value: float, extra: bool = False) -> object:
    """A plugin with a constant function (folded into the condition when it compiles)
    whose value comes from a closure; ``extra`` registers one more function."""

    class Limits:
        @hookimpl
        def register_functions(self, register):  # type: ignore[no-untyped-def]
            register(FunctionSpec("limit", lambda ctx: value, (), NUMBER, constant=True))
            if extra:
                register(FunctionSpec("unused", lambda ctx, x: x, (NUMBER,), NUMBER))

    return Limits()


def _due(rules: Path, plugin: object) -> tuple[float, int, int]:
    with Kernel(plugins=[DemoIndustry(rules), plugin], load_entrypoints=False) as kernel:
        decision = kernel.evaluate({"industry": "demo", "facts": {"plan": "basic", "amount": 100}})
        cached = kernel.library.compiled_cache
        return decision.outcomes["fee"]["amount_due"], cached.hits, cached.misses


def test_another_function_implementation_or_set_is_another_entry(
    tmp_path: Path, cache: Path
) -> None:
    rules = demo_rules(tmp_path, RULES)
    assert _due(rules, _limit(50)) == (0, 0, 1)
    assert _due(rules, _limit(50)) == (0, 1, 0)
    assert _due(rules, _limit(150)) == (100, 0, 1)  # the folded constant changed
    assert _due(rules, _limit(150, extra=True)) == (100, 0, 1)  # one more function


def test_another_cscore_version_is_another_entry(
    rules_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Kernel(rules_dir=rules_copy).close()
    monkeypatch.setattr(cscore, "__version__", cscore.__version__ + ".post1")
    with Kernel(rules_dir=rules_copy) as kernel:
        found = kernel.library.compiled_cache
        assert (found.found, found.hits) == (0, 0) and found.misses > 0


@pytest.mark.parametrize(
    "content",
    [b"not a pickle", b"", pickle.dumps({"key": "ecommerce.return"}), None],
    ids=["garbage", "empty", "another object", "truncated"],
)
def test_a_corrupt_entry_is_compiled_again(
    rules_copy: Path, cache: Path, content: bytes | None
) -> None:
    Kernel(rules_dir=rules_copy).close()
    entries = sorted((cache / "compiled").iterdir())
    for entry in entries:
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2] if content is None else content)
    with Kernel(rules_dir=rules_copy) as kernel:
        # found at start-up, and compiled anew when read (a case needs it, or compiled())
        assert kernel.evaluate(return_case()).outcomes["return"]["decision"] == "return"
        assert kernel.library.compiled_cache.misses == 1
        kernel.library.compiled()
        assert kernel.library.compiled_cache.misses == len(entries)
    with Kernel(rules_dir=rules_copy) as kernel:  # and written anew
        kernel.library.compiled()
        assert kernel.library.compiled_cache.hits == len(entries)


def test_the_compiled_cache_is_off_with_the_rule_cache(
    rules_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSCORE_CACHE_DIR", "off")
    with Kernel(rules_dir=rules_copy) as kernel:
        assert kernel.library.compiled_cache.folder is None
        assert kernel.library.compiled_cache.misses == 0


@dataclasses.dataclass(frozen=True, slots=True)
class _Plain:
    a: int
    b: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    a: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", self.a * 2)  # running it again would change a


@dataclasses.dataclass(frozen=True, slots=True)
class _Custom:
    a: int

    def __init__(self, a: int, b: int = 0) -> None:
        object.__setattr__(self, "a", a + b)


def test_only_plain_slots_dataclasses_are_rebuilt_by_their_constructor() -> None:
    assert positional_fields(_Plain) == ("a", "b")
    assert positional_fields(_Checked) is None
    assert positional_fields(_Custom) is None
    values = [_Plain(1, ("x",)), _Checked(3), _Custom(2, 5)]
    buffer = io.BytesIO()
    QuickPickler(buffer).dump(values)
    assert pickle.loads(buffer.getvalue()) == values


def test_a_kernel_reads_only_the_rule_sets_its_cases_need(rules_copy: Path, cache: Path) -> None:
    """With the cache warm, a kernel reads a rule set when a case first needs it (the
    CLI's one case reads one); what it logs of the rules in use (the snapshot) is the
    same before and after the others are read."""
    from cscore.rulebook.snapshot import take_snapshot

    Kernel(rules_dir=rules_copy).close()
    with Kernel(rules_dir=rules_copy) as kernel:
        library = kernel.library
        unread = sorted(f.path for f in library.files_in_use())
        assert kernel.evaluate(return_case()).outcomes["return"]["decision"] == "return"
        assert library.compiled_cache.hits == 1
        before = take_snapshot(library, [])
        assert library.compiled_cache.hits == 1  # the snapshot read no rule set
        every = library.compiled()
        assert unread == sorted(f.path for ruleset in every.values() for f in ruleset.files)
        assert take_snapshot(library, []) == before
