"""`cscore serve --workers 2`: two processes that share only the SQLite log; a reload
asked of one reaches the other before its next decision."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from cscore.testing.server import serving

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "workers-admin-token"
CASE = {
    **json.loads((ROOT / "examples" / "return-request.json").read_text(encoding="utf-8")),
}
CASE["facts"] = {**CASE["facts"], "as_of": "2026-03-06T10:00:00+08:00"}


def decide_on_fresh_connections(url: str, count: int) -> list[tuple[str, dict]]:
    """(worker, return outcome) of ``count`` decisions, 8 at a time, each on a new
    connection so that both workers accept some."""

    def one(_: int) -> tuple[str, dict]:
        with httpx.Client(base_url=url, timeout=30) as client:
            response = client.post("/v1/decisions", json=CASE)
        assert response.status_code == 200, response.text
        return response.headers["x-cscore-worker"], response.json()["outcomes"]["return"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def both_workers(url: str) -> list[tuple[str, dict]]:
    """Decisions until both workers answered some (at most 10 rounds of 40)."""
    answers: list[tuple[str, dict]] = []
    for _ in range(10):
        answers += decide_on_fresh_connections(url, 40)
        if len({worker for worker, _ in answers}) >= 2:
            return answers
    pytest.fail(f"only worker(s) {sorted({w for w, _ in answers})} answered 400 requests")


def test_a_reload_reaches_every_worker(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    args = ["--rules-dir", str(rules), "--db", str(tmp_path / "log.db"), "serve", "--workers", "2"]
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {"CSCORE_ADMIN_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    with serving(args, env=env, log=tmp_path / "server.log") as url:
        before = both_workers(url)
        assert {outcome["return_deadline"] for _, outcome in before} == {"2026-03-09"}
        assert {outcome["decision"] for _, outcome in before} == {"return"}

        rule_file = rules / "ecommerce" / "return.yaml"
        text = rule_file.read_text(encoding="utf-8")
        rule_file.write_text(text.replace("no_reason_days: 7 ", "no_reason_days: 3 "), "utf-8")
        refused = httpx.post(f"{url}/v1/rules/reload", headers={"Authorization": "Bearer no"})
        assert refused.status_code == 403
        assert httpx.post(f"{url}/v1/rules/reload").status_code == 401
        # refused reloads changed nothing, in either worker
        assert {o["return_deadline"] for _, o in decide_on_fresh_connections(url, 16)} == {
            "2026-03-09"
        }
        reloaded = httpx.post(
            f"{url}/v1/rules/reload", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
        )
        assert reloaded.status_code == 200, reloaded.text
        assert reloaded.json()["ok"] is True and reloaded.json()["reloaded"]

        after = both_workers(url)
        metrics = httpx.get(f"{url}/metrics").text
    # multiprocess metrics: any worker answers with the sum over both
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith('cscore_decisions_total{industry="ecommerce",kind="return"')
    )
    assert counted == len(before) + 16 + len(after)
    # every decision after the reload, from both workers, is made on the edited rules
    assert len({worker for worker, _ in after}) == 2
    assert {outcome["return_deadline"] for _, outcome in after} == {"2026-03-05"}
    assert {outcome["decision"] for _, outcome in after} != {"return"}
