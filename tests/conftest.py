"""Shared fixtures: a kernel on the default rules, a scratch copy of the rules, the
public example cases (a copy in tests/data, so a clone needs nothing beside it), and a
clean default kernel for `cscore.evaluate`."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import cscore

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
PUBLIC_CASES = ROOT / "tests" / "data" / "cases_public.json"  # copied from the spec


def pytest_configure() -> None:
    # The rule cache (rulebook.cache) of the test run lives in a scratch folder, not in
    # the user's ~/.cache.
    if "CSCORE_CACHE_DIR" not in os.environ:
        os.environ["CSCORE_CACHE_DIR"] = tempfile.mkdtemp(prefix="cscore-test-cache-")


def pytest_report_header() -> list[str]:
    from importlib.metadata import version

    packages = ("durable_rules", "pluggy", "pydantic", "sqlite-utils", "chinese-calendar")
    return [
        "cscore " + cscore.__version__ + ", " + ", ".join(f"{p} {version(p)}" for p in packages)
    ]


@pytest.fixture(scope="session")
def kernel():
    """A kernel on the default rules and installed plugins, without a decision log."""
    from cscore.kernel import Kernel

    k = Kernel()
    yield k
    k.close()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A scratch copy of rules/ that a test may edit."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


@pytest.fixture(scope="session")
def public_cases() -> list[dict]:
    return json.loads(PUBLIC_CASES.read_text(encoding="utf-8"))


@pytest.fixture
def default_kernel_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`cscore.evaluate` with its default kernel logging into a scratch database."""
    db = tmp_path / "default.db"
    monkeypatch.setenv("CSCORE_DB", str(db))
    monkeypatch.delenv("CSCORE_RULES_DIR", raising=False)
    monkeypatch.setattr(cscore, "_default", None)
    yield db
    if cscore._default is not None:
        cscore._default.close()
    monkeypatch.setattr(cscore, "_default", None)


def return_case(**facts) -> dict:
    """An ordinary 7-day no-reason return (PUB-ECOM-01), with facts overridden."""
    base = {
        "order_channel": "online",
        "order_status": "delivered",
        "request_type": "no_reason_return",
        "delivered_date": "2026-03-02",
        "request_date": "2026-03-06",
        "quality_fault": False,
        "goods_amount_paid": 259.0,
        "shipping_fee_paid": 0.0,
    }
    base.update(facts)
    return {"id": "T-1", "industry": "ecommerce", "kind": "return", "facts": base}
