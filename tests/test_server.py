"""The HTTP API against a real server on a loopback port, through a real HTTP client:
every endpoint and every error status (docs/http.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import jsonschema_rs
import pytest

from cscore.kernel import Kernel
from cscore.server import ServerSettings, create_app
from cscore.testing.server import serving_app

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-admin-token-0123456789"
LIMIT = 200_000
AS_OF = "2026-03-06T10:00:00+08:00"


def example(name: str = "return-request.json", **facts) -> dict:
    case = json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))
    case["facts"] = {**case["facts"], "as_of": AS_OF, **facts}
    return case


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("served") / "rules"
    shutil.copytree(ROOT / "rules", target)
    return target


@pytest.fixture(scope="module")
def served(rules_dir: Path):
    settings = ServerSettings(
        rules_dir=str(rules_dir),
        db=str(rules_dir.parent / "log.db"),
        admin_token=TOKEN,
        max_body_bytes=LIMIT,
    )
    app = create_app(settings)
    with serving_app(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def local(rules_dir: Path):
    """What `cscore.evaluate` decides on the same rules, without a log."""
    with Kernel(rules_dir=rules_dir, db=None) as kernel:
        yield kernel


def errors_of(response: httpx.Response) -> list[dict]:
    body = response.json()
    assert set(body) == {"errors"}, body
    for item in body["errors"]:
        assert set(item) == {"loc", "msg"} and isinstance(item["loc"], list) and item["msg"]
    return body["errors"]


# deciding ------------------------------------------------------------------------


def test_a_decision_is_the_python_apis_and_is_logged(served, local):
    case = example()
    response = served.post("/v1/decisions", json=case)
    assert response.status_code == 200
    answer = response.json()
    decision_id = answer.pop("decision_id")
    assert answer == local.evaluate(case).to_log_dict()  # without ?explain: no explanation
    assert answer["outcomes"]["return"]["decision"] == "return"
    logged = served.get(f"/v1/decisions/{decision_id}")
    assert logged.status_code == 200
    assert logged.json()["decision"]["outcomes"] == answer["outcomes"]
    assert logged.json()["case"]["facts"]["goods_amount_paid"] == 259.0
    assert logged.json()["as_of"] == AS_OF


def test_kinds_in_the_query_replace_the_cases(served):
    case = example()
    answer = served.post("/v1/decisions", params={"kinds": "fee,warranty"}, json=case).json()
    assert list(answer["outcomes"]) == ["fee", "warranty"]
    wrong = served.post("/v1/decisions", params={"kinds": "retrun"}, json=case)
    assert wrong.status_code == 422
    [error] = errors_of(wrong)
    assert error["loc"] == ["query", "kinds"] and "did you mean 'return'" in error["msg"]


def test_explain_adds_the_reasons_for_a_person(served):
    plain = served.post("/v1/decisions", json=example()).json()
    assert plain.get("explanation") is None
    explained = served.post("/v1/decisions", params={"explain": "true"}, json=example()).json()
    deciding = explained["explanation"]["kinds"]["return"]["deciding"]["decision"]["rules"]
    assert deciding[0]["key"].startswith("ECOM-RET-001")
    assert "ECOM-RET-001" in explained["explanation_text"]
    assert explained["outcomes"] == plain["outcomes"]


def test_fact_problems_are_decisions_not_errors(served):
    response = served.post("/v1/decisions", json=example(goods_amount_paid="lots"))
    assert response.status_code == 200
    outcome = response.json()["outcomes"]["return"]
    assert outcome == {"decision": "invalid_input", "invalid_fields": ["goods_amount_paid"]}


# errors ---------------------------------------------------------------------------


def test_malformed_json_is_422_with_line_and_column(served):
    response = served.post(
        "/v1/decisions",
        content=b'{"industry": "ecommerce",\n "facts": }',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    [error] = errors_of(response)
    assert error["loc"] == ["body"] and "line 2 column" in error["msg"]


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ("[1, 2]", ["body"], "must be a JSON object"),
        ('{"facts": {}}', ["body", "industry"], "is missing"),
        ('{"industry": "ecommerse"}', ["body", "industry"], "did you mean 'ecommerce'"),
        ('{"industry": "ecommerce", "kind": "x"}', ["body", "kind"], "unknown kind"),
        ('{"industry": "ecommerce", "facts": []}', ["body", "facts"], "must be a JSON object"),
        ('{"industry": "ecommerce", "facts": {"a": NaN}}', ["body"], "not valid JSON"),
        ("[" * 5000 + "]" * 5000, ["body"], "nested"),
        (
            '{"industry": "ecommerce", "facts": {"a": ' + "[" * 40 + "]" * 40 + "}}",
            ["body"],
            "nested more than",
        ),
        ("", ["body"], "empty"),
        (b"\xff\xfe".decode("latin-1"), ["body"], "not UTF-8"),
    ],
)
def test_envelope_problems_are_422_naming_the_field(served, body, loc, words):
    response = served.post(
        "/v1/decisions",
        content=body.encode("latin-1") if "\xff" in body else body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    [error] = errors_of(response)
    assert error["loc"] == loc and words in error["msg"], error


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_media_is_415(served, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    request = served.build_request(
        "POST", "/v1/decisions", content=json.dumps(example()).encode(), headers=headers
    )
    assert ("content-type" in request.headers) == (content_type is not None)
    response = served.send(request)
    assert response.status_code == 415
    [error] = errors_of(response)
    assert error["loc"] == ["header", "content-type"] and "application/json" in error["msg"]


def test_a_json_media_type_with_charset_or_suffix_is_accepted(served):
    for media in ("application/json; charset=utf-8", "application/vnd.cscore+json"):
        response = served.post(
            "/v1/decisions", content=json.dumps(example()), headers={"Content-Type": media}
        )
        assert response.status_code == 200, media


def test_a_body_over_the_limit_is_413_declared_or_streamed(served):
    big = example(note="x" * LIMIT)
    response = served.post("/v1/decisions", json=big)
    assert response.status_code == 413
    assert f"larger than {LIMIT} bytes" in errors_of(response)[0]["msg"]

    def chunks():  # no Content-Length: the server counts as it reads
        for _ in range(LIMIT // 10_000 + 2):
            yield b" " * 10_000

    streamed = served.post(
        "/v1/decisions", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    # just under the limit is decided (padding: one fact may hold at most 100,000 chars)
    text = json.dumps(example(), ensure_ascii=False)
    fits = text + " " * (LIMIT - len(text.encode("utf-8")) - 10)
    response = served.post(
        "/v1/decisions", content=fits.encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200


def test_unknown_decision_is_404_and_a_bad_id_422(served):
    response = served.get("/v1/decisions/987654321")
    assert response.status_code == 404
    assert errors_of(response) == [
        {"loc": ["path", "decision_id"], "msg": "no decision 987654321 in the log"}
    ]
    assert served.post("/v1/decisions/987654321/replay").status_code == 404
    for bad in ("abc", "0", str(2**70)):
        response = served.get(f"/v1/decisions/{bad}")
        assert response.status_code == 422, bad
        assert errors_of(response)[0]["loc"] == ["path", "decision_id"]


def test_unknown_path_and_method_answer_in_the_error_shape(served):
    assert served.get("/v2/nothing").status_code == 404
    assert errors_of(served.get("/v2/nothing"))[0]["msg"] == "Not Found"
    assert served.delete("/v1/decisions").status_code == 405


# the log -------------------------------------------------------------------------


def test_listing_filters_and_pages_with_a_cursor(served):
    ids = []
    for request_type in ("no_reason_return", "no_reason_return", "quality_return"):
        case = example(request_type=request_type)
        ids.append(served.post("/v1/decisions", json=case).json()["decision_id"])
    served.post("/v1/decisions", json=example("appliance_repair-warranty.json"))
    page = served.get("/v1/decisions", params={"industry": "ecommerce", "limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_cursor"] is not None
    assert all(item["industry"] == "ecommerce" for item in page["items"])
    seen, cursor = [], None
    for _ in range(100):  # bounded: every ecommerce decision, page by page, none twice
        params = {"industry": "ecommerce", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = served.get("/v1/decisions", params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and set(ids) <= set(seen)
    assert seen == sorted(seen, reverse=True)
    returns = served.get("/v1/decisions", params={"kind": "return", "outcome": "return"}).json()
    assert returns["items"] and all(
        item["outcomes"]["return"]["decision"] == "return" for item in returns["items"]
    )
    nothing = served.get("/v1/decisions", params={"outcome": "no-such-outcome"}).json()
    assert nothing == {"items": [], "next_cursor": None}
    appliance = served.get(
        "/v1/decisions", params={"kind": "warranty", "industry": "appliance_repair"}
    )
    assert {item["industry"] for item in appliance.json()["items"]} == {"appliance_repair"}


def test_listing_by_time_range(served):
    newest = served.get("/v1/decisions", params={"limit": 1}).json()["items"][0]
    at = newest["decided_at"]
    since = served.get("/v1/decisions", params={"since": at}).json()["items"]
    assert newest["id"] in [item["id"] for item in since]
    assert all(item["decided_at"] >= at for item in since)
    before = served.get("/v1/decisions", params={"until": "2000-01-01T00:00:00"}).json()
    assert before["items"] == []
    bad = served.get("/v1/decisions", params={"since": "yesterday"})
    assert bad.status_code == 422 and errors_of(bad)[0]["loc"] == ["query", "since"]
    assert served.get("/v1/decisions", params={"cursor": "x1"}).status_code == 422
    assert served.get("/v1/decisions", params={"limit": 0}).status_code == 422


def test_replay_against_own_and_current_rules(served, rules_dir):
    decision_id = served.post("/v1/decisions", json=example()).json()["decision_id"]
    same = served.post(f"/v1/decisions/{decision_id}/replay")
    assert same.status_code == 200
    assert same.json() | {"notes": []} == {
        "decision_id": decision_id,
        "as_of": AS_OF,
        "current": False,
        "same": True,
        "differences": [],
        "notes": [],
    }
    rule_file = rules_dir / "ecommerce" / "return.yaml"
    original = rule_file.read_text(encoding="utf-8")
    try:
        rule_file.write_text(original.replace("no_reason_days: 7 ", "no_reason_days: 3 "), "utf-8")
        changed = served.post(f"/v1/decisions/{decision_id}/replay", params={"current": True})
        # its own rules are the logged ones: still the same
        again = served.post(f"/v1/decisions/{decision_id}/replay").json()
    finally:
        rule_file.write_text(original, encoding="utf-8")
    assert changed.status_code == 200 and changed.json()["current"] is True
    assert changed.json()["same"] is False
    fields = {(d["kind"], d["field"]) for d in changed.json()["differences"]}
    assert ("return", "return_deadline") in fields
    assert again["same"] is True


# what is served -----------------------------------------------------------------


def test_industries_give_schemas_a_client_can_validate_with(served):
    response = served.get("/v1/industries")
    assert response.status_code == 200
    industries = {item["key"]: item for item in response.json()}
    assert set(industries) == {
        "ecommerce",
        "appliance_repair",
        "property_management",
        "sales_office",
    }
    ecommerce = industries["ecommerce"]
    assert "return" in ecommerce["kinds"]
    facts = jsonschema_rs.validator_for(ecommerce["facts_schema"])
    assert facts.is_valid(example()["facts"])
    assert not facts.is_valid({**example()["facts"], "goods_amount_paid": "lots"})
    schema = ecommerce["outcome_schemas"]["return"]
    decision = schema["properties"]["decision"]
    assert {"return", "reject", "needs_info", "invalid_input"} <= set(decision["enum"])
    assert schema["properties"]["return_deadline"] == {"type": "string", "format": "date"}
    assert schema["properties"]["refund_amount"]["type"] == "number"
    outcome = served.post("/v1/decisions", json=example()).json()["outcomes"]["return"]
    assert jsonschema_rs.validator_for(schema).is_valid(outcome)
    assert not jsonschema_rs.validator_for(schema).is_valid({**outcome, "decision": "retrun"})


def test_check_the_served_rules_and_a_posted_file(served, rules_dir):
    served_check = served.post("/v1/rules/check")
    assert served_check.status_code == 200
    assert served_check.json()["ok"] is True and served_check.json()["rules"] > 100
    text = (rules_dir / "ecommerce" / "return.yaml").read_text(encoding="utf-8")
    broken = text.replace("no_reason_days: 7 ", "no_reason_days: 7\n  oops: [unclosed ", 1)
    posted = served.post(
        "/v1/rules/check", json={"root": "ecommerce", "name": "return.yaml", "text": broken}
    )
    assert posted.status_code == 200
    body = posted.json()
    assert body["ok"] is False and body["errors"]
    first = body["errors"][0]
    assert first["path"].endswith("ecommerce/return.yaml") and "cscore-check-" not in first["msg"]
    # named as the served files are (the rules folder's own name, never a server path)
    assert first["path"] == f"{rules_dir.name}/ecommerce/return.yaml"
    assert isinstance(first["line"], int)
    good = served.post(
        "/v1/rules/check", json={"root": "ecommerce", "name": "return.yaml", "text": text}
    )
    assert good.json()["ok"] is True
    for wrong, loc in (
        ({"root": "nowhere", "name": "a.yaml", "text": ""}, ["body", "root"]),
        ({"root": "ecommerce", "name": "../a.yaml", "text": ""}, ["body", "name"]),
        ({"root": "ecommerce", "name": "a.txt", "text": ""}, ["body", "name"]),
        ({"root": "ecommerce", "name": "a.yaml"}, ["body", "text"]),
    ):
        response = served.post("/v1/rules/check", json=wrong)
        assert response.status_code == 422 and errors_of(response)[0]["loc"] == loc, wrong


def test_reload_needs_the_token(served):
    missing = served.post("/v1/rules/reload")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    wrong = served.post("/v1/rules/reload", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and errors_of(wrong)[0]["msg"] == "wrong admin token"
    almost = served.post("/v1/rules/reload", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert almost.status_code == 403
    other_scheme = served.post("/v1/rules/reload", headers={"Authorization": f"Basic {TOKEN}"})
    assert other_scheme.status_code == 401
    unicode = served.post("/v1/rules/reload", headers={"Authorization": "Bearer tök".encode()})
    assert unicode.status_code == 403
    right = served.post("/v1/rules/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200 and right.json()["ok"] is True
    assert right.json()["generation"] >= 1


def test_reload_without_a_configured_token_is_disabled(tmp_path):
    app = create_app(ServerSettings(db=str(tmp_path / "log.db")))
    with serving_app(app) as url:
        response = httpx.post(f"{url}/v1/rules/reload", headers={"Authorization": "Bearer x"})
    assert response.status_code == 404
    assert "CSCORE_ADMIN_TOKEN" in errors_of(response)[0]["msg"]


# operations ---------------------------------------------------------------------


def test_health_readiness_metrics_and_docs(served):
    health = served.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.headers["x-cscore-worker"] == str(health.json()["worker"])
    ready = served.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "rules_loaded": True,
        "rules_current": True,
        "log_writable": True,
    }
    served.post("/v1/decisions", json=example())
    metrics = served.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'cscore_decisions_total{industry="ecommerce",kind="return",outcome="return"}' in text
    assert 'cscore_http_requests_total{method="POST",route="/v1/decisions",status="200"}' in text
    assert (
        'cscore_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/decisions"}'
        in text
    )
    assert 'route="/v1/decisions/{decision_id}"' in text  # a template, never the id
    schema = served.get("/openapi.json").json()
    assert schema["components"]["schemas"]["Case"]["properties"]["industry"]["enum"] == sorted(
        ["ecommerce", "appliance_repair", "property_management", "sales_office"]
    )
    assert {"/v1/decisions", "/v1/industries", "/v1/rules/reload", "/metrics"} <= set(
        schema["paths"]
    )
    docs = served.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_readiness_fails_when_the_log_cannot_be_written(tmp_path):
    import sqlite3

    db = tmp_path / "log.db"
    app = create_app(ServerSettings(db=str(db)))
    blocker = sqlite3.connect(db)
    with serving_app(app) as url:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the file
        app.state.cscore.reloads._conn.execute("PRAGMA busy_timeout = 50")
        response = httpx.get(f"{url}/readyz", timeout=30)
        blocker.rollback()
        after = httpx.get(f"{url}/readyz", timeout=30)
    blocker.close()
    assert response.status_code == 503
    assert response.json()["checks"]["log_writable"] is False
    assert after.status_code == 200


def test_serve_refuses_an_unshared_log_for_several_workers():
    from click.testing import CliRunner

    from cscore.cli import cli

    result = CliRunner().invoke(cli, ["--db", ":memory:", "serve", "--workers", "2"])
    assert result.exit_code == 1
    assert "cannot be shared by several workers" in result.output


def test_a_cursor_beyond_what_sqlite_counts_is_422_not_500(served):
    """Found by schemathesis: a 19-digit cursor past 2**63 crashed the query."""
    response = served.get("/v1/decisions", params={"cursor": "9534201209799729252"})
    assert response.status_code == 422
