"""Project rules that code review would otherwise have to remember."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from cscore import hookspecs

from .conftest import ROOT

SOURCE_DIRS = [ROOT / "src", ROOT / "plugins"]


def _python_files() -> list[Path]:
    return sorted(path for folder in SOURCE_DIRS for path in folder.rglob("*.py"))


def test_durable_is_imported_in_exactly_one_module():
    """Only the engine adapter touches durable_rules (DESIGN.md §5)."""
    importers = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] in ("durable", "durable_rules_engine") for name in names):
                importers.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(importers)) == ["src/cscore/engine/durable.py"]


def test_no_eval_or_exec_anywhere():
    """Rule text is parsed and compiled, never evaluated as Python."""
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("eval", "exec", "compile", "__import__")
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize(
    "hook",
    [
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "cscore_spec")
    ],
)
def test_every_hook_is_documented_for_plugin_authors(hook):
    """docs/plugins.md names every hook with its arguments."""
    arguments = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"`{hook}({arguments})`" in (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")


def test_every_rule_file_has_cases():
    """A rule file without tests beside it is not finished (STYLE.md §2.5)."""
    untested = []
    for folder in (ROOT / "rules").iterdir():
        cases = " ".join(p.name for p in folder.glob("*.cases.yaml"))
        for rule_file in folder.iterdir():
            if rule_file.name.endswith(".cases.yaml") or rule_file.suffix not in (".yaml", ".csv"):
                continue
            kind = rule_file.name.split(".")[0]
            covered = f"{kind}.cases.yaml" in cases or any(
                rule_file.stem.split("_")[0] in name for name in cases.split()
            )
            if not covered and not rule_file.name.endswith("_terms.yaml"):
                untested.append(rule_file.relative_to(ROOT).as_posix())
    assert untested == []


def test_every_catalog_rule_of_ecommerce_is_implemented():
    """Each ECOM rule id appears in a rule file: as a rule, or (ECOM-REF-004,
    ECOM-SHIP-004, ECOM-RET-014) in the comment that says how it is covered."""
    text = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "rules").rglob("*.*"))
    wanted = (
        [f"ECOM-RET-{n:03d}" for n in range(1, 15)]
        + [f"ECOM-REF-{n:03d}" for n in (1, 2, 3, 4)]
        + [f"ECOM-FEE-{n:03d}" for n in range(1, 8)]
        + [f"ECOM-SHIP-{n:03d}" for n in (1, 2, 3, 4)]
        + [f"ECOM-WAR-{n:03d}" for n in (1, 2, 3)]
        + [f"ECOM-ESC-{n:03d}" for n in (1, 2, 3, 4)]
        + ["COMMON-DATA-001", "COMMON-DATA-002", "COMMON-VIP-001", "COMMON-ESC-007"]
    )
    missing = [rule for rule in wanted if rule not in text]
    assert missing == []


def test_readme_example_output_is_what_the_cli_prints(tmp_path):
    """The `--explain` excerpt in README.md is the real output (docs stay in sync)."""
    from click.testing import CliRunner

    from cscore.cli import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("--explain\n```\n```\n", 1)[1].split("    …", 1)[0]
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(tmp_path / "x.db"),
            "evaluate",
            str(ROOT / "examples" / "return-request.json"),
            "--explain",
        ],
    )
    assert result.exit_code == 0
    for line in shown.strip().splitlines():
        assert line.rstrip() in result.output, line


def test_the_kernel_knows_no_industry():
    """No catalog id, industry, department or carrier appears in the kernel's code (its
    string literals and names; docstrings and comments may give examples): industries
    and the common pack arrive through plugins."""
    import ast
    import re

    catalog_id = re.compile(r"\b(COMMON|ECOM|APPL|PROP|SALES)-[A-Z]+-\d{3}\b")
    domain_words = re.compile(
        r"\b(ecommerce|appliance_repair|property_management|sales_office|tech_support|"
        r"warehouse_logistics|after_sales_engineering|property_engineering|sales_manager|"
        r"EMS|申通)\b"
    )
    found = []
    for path in sorted((ROOT / "src" / "cscore").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in docstrings:
                    text = node.value
            elif isinstance(node, ast.Name):
                text = node.id
            if text and (catalog_id.search(text) or domain_words.search(text)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]!r}")
    assert not found, found
