"""pytest plugin (entry point ``pytest11: cscore``).

* Collects every ``*.cases.yaml`` as tests: one test per case, named after it, failing
  with the same "expected …, got …" lines as ``cscore rules test``.
* Fixtures for plugin authors: ``cscore_kernel`` (installed plugins, default rules, an
  in-memory decision log) and ``make_case`` (builds a case envelope).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cscore.errors import CscoreError
from cscore.rulebook.cases import RuleCase, load_cases, rules_dir_for, run_case
from cscore.rulebook.formats import CASES_SUFFIX

_KERNELS = pytest.StashKey[dict[Any, Any]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_KERNELS] = {}


def pytest_unconfigure(config: pytest.Config) -> None:
    for kernel in config.stash.get(_KERNELS, {}).values():
        kernel.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(CASES_SUFFIX):
        return RuleCasesFile.from_parent(parent, path=file_path)
    return None


def _kernel_for(config: pytest.Config, path: Path) -> Any:
    from cscore.kernel import Kernel

    rules_dir = rules_dir_for(path)
    kernels = config.stash[_KERNELS]
    if rules_dir not in kernels:
        kernels[rules_dir] = Kernel(rules_dir=rules_dir, db=None)
    return kernels[rules_dir]


class RuleCaseFailure(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class RuleCasesFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            display = str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            display = str(self.path)
        for case in load_cases(self.path, display):
            yield RuleCaseItem.from_parent(self, name=f"{case.name} (line {case.line})", case=case)


class RuleCaseItem(pytest.Item):
    def __init__(self, *, case: RuleCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        kernel = _kernel_for(self.config, self.path)
        result = run_case(kernel, self.case)
        if not result.passed:
            raise RuleCaseFailure(result.problems)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RuleCaseFailure | CscoreError):
            lines = getattr(excinfo.value, "problems", [str(excinfo.value)])
            return f"{self.case.where}: {self.case.name}\n" + "\n".join(f"  {p}" for p in lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return (
            self.path,
            self.case.line - 1,
            f"{self.case.industry}.{'+'.join(self.case.kinds)}: {self.case.name}",
        )


@pytest.fixture
def cscore_kernel() -> Iterator[Any]:
    """A kernel with the installed plugins and their default rules, logging to memory."""
    from cscore.kernel import Kernel

    kernel = Kernel(db=":memory:")
    try:
        yield kernel
    finally:
        kernel.close()


@pytest.fixture
def make_case() -> Callable[..., dict[str, Any]]:
    """``make_case("ecommerce", "return", request_type="cancel", ...)`` → an envelope."""

    def build(industry: str, kind: str | None = None, **facts: Any) -> dict[str, Any]:
        case: dict[str, Any] = {"industry": industry, "facts": facts}
        if kind is not None:
            case["kind"] = kind
        return case

    return build
