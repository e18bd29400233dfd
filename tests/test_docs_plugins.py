"""docs/plugins.md is a contract: its code imports only the public surface, and its
bookshop example plugin, assembled from the page's code blocks, loads and decides."""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import re
import sys
from pathlib import Path

import pytest

from cscore.kernel import Kernel

DOC = Path(__file__).parents[1] / "docs" / "plugins.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
FILE_LINE = re.compile(r"#\s*(cscore_bookshop/\S+)")


def code_blocks() -> list[tuple[str, str]]:
    return FENCE.findall(DOC.read_text(encoding="utf-8"))


def bookshop_files() -> dict[str, str]:
    """The blocks whose first line names a cscore_bookshop/ file, joined per file in
    page order (a later block may continue a file)."""
    files: dict[str, str] = {}
    for _language, body in code_blocks():
        named = FILE_LINE.match(body.splitlines()[0]) if body.strip() else None
        if named:
            files[named.group(1)] = files.get(named.group(1), "") + body + "\n"
    return files


def test_every_python_block_imports_only_the_public_surface():
    imported = []
    for language, body in code_blocks():
        if language != "python":
            continue
        for node in ast.walk(ast.parse(body)):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.append(node.module)
            elif isinstance(node, ast.Import):
                imported.extend(alias.name for alias in node.names)
    cscore_modules = {name for name in imported if name.split(".")[0] == "cscore"}
    assert cscore_modules == {"cscore.plugin"}


def test_the_documented_bookshop_plugin_decides_returns(tmp_path, monkeypatch):
    files = bookshop_files()
    assert {"cscore_bookshop/__init__.py", "cscore_bookshop/rules/return.yaml"} <= set(files)
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        bookshop = importlib.import_module("cscore_bookshop")
        with Kernel(plugins=[bookshop], load_entrypoints=False) as kernel:
            as_of = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

            def decide(**facts):
                case = {"industry": "bookshop", "facts": {"as_of": as_of.isoformat(), **facts}}
                return kernel.evaluate(case)

            paper = decide(format="paper", price=50, bought_on="2026-03-06")
            ebook = decide(format="ebook", price=30, bought_on="2026-03-09")
            late = decide(format="paper", price=50, bought_on="2026-02-01")
    finally:
        sys.modules.pop("cscore_bookshop", None)
    assert paper.outcomes["return"] == {
        "decision": "return",
        "reason": "within_7_days",
        "refund": 45.0,  # member_price(): the documented rule function
    }
    assert [entry.rule for entry in paper.trace] == ["BOOK-RET-001"]
    assert ebook.outcomes["return"]["decision"] == "reject"
    assert "decision" not in late.outcomes["return"]  # 33 days: no rule applies


@pytest.mark.parametrize("language", ["python", "yaml", "toml"])
def test_the_page_has_code_of_each_kind(language):
    """The extraction above reads fences by language; a renamed fence would go unseen."""
    assert any(found == language for found, _ in code_blocks())
