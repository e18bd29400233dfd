"""The decision log's row, serialised once without the trace's objects, is the same text
pydantic writes through them; the case is written as received; the columns cut from it
are pieces of that text."""

from __future__ import annotations

import datetime as dt
import gc
import json
import marshal
import math
import pickle
import sqlite3
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cscore.jsonvalues import as_received
from cscore.kernel import Kernel
from cscore.models.decision import Decision
from cscore.rulebook.cases import find_case_files, load_cases
from cscore.rulebook.compiled import CompiledRuleset
from cscore.rulebook.run import Firing, Result
from cscore.store import DecisionStore, load
from cscore.store.logrow import _by_pydantic, journal_payload, log_columns
from cscore.store.logtext import case_json, compact_json, row_from_record, trace_utf8
from cscore.store.store import PAGE_SIZE
from cscore.trace import _tables, trace_entries, trace_pieces

from .conftest import return_case

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import mixed  # noqa: E402
import workload  # noqa: E402

NOW = dt.datetime(2026, 5, 6, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _every_case() -> list[dict[str, Any]]:
    """The benchmark's return workload, every industry's rule cases, the public cases."""
    cases = workload.generate(400)
    for file in find_case_files([ROOT / "rules"]):
        if file.parent.name != "common":
            cases.extend(case.envelope() for case in load_cases(file))
    return cases + mixed.public_envelopes()


@pytest.fixture(scope="module")
def fixed() -> Any:
    with Kernel(clock=lambda: NOW) as kernel:
        yield kernel


def _through_the_model(decision: Decision) -> Decision:
    """The same decision with no log recipe: its trace is built as objects and dumped."""
    return decision.model_copy()


def test_log_json_is_the_text_pydantic_writes_on_every_case(fixed: Kernel) -> None:
    """Decided twice, once written from the trace's plain dicts and once by pydantic
    from its TraceEntry objects: the same bytes, in every column, on every case."""
    compared = direct = 0
    texts = []
    for case in _every_case():
        try:
            first, second = fixed.evaluate(case), fixed.evaluate(case)
        except Exception:  # a rule case that expects an error: nothing is logged
            continue
        direct += first.log_trace() is not None  # not: invalid input, masked facts
        columns = log_columns(first)
        assert columns == _by_pydantic(_through_the_model(second)), case["id"]
        texts.append(columns[0])
        compared += 1
    assert compared > 600
    assert direct > 0.8 * compared
    # among them: overridden keys, messages, calendar rules cited, facts asked for
    for part in ('"overridden":[', '"message":', '"source":"calendar: ', '"consequence: '):
        assert any(part in text for text in texts), part


def _journaled_row(decision: Decision, case: dict[str, Any]) -> tuple[Any, ...]:
    """The row the journal's loader writes for the decision journaled as its parts."""
    version = decision.rules_version
    head = (
        decision.case_id,
        decision.industry,
        "2026-05-06T10:30:00+08:00",
        None,
        1.5,
        version,
        "{}",
    )
    payload = journal_payload(decision, case, head, ("calendar", None))
    assert payload is not None
    return row_from_record(marshal.loads(payload))


def _row_texts(decision: Decision, case: dict[str, Any]) -> tuple[Any, ...]:
    """The row's texts as the deciding process writes them (kinds, outcomes, warnings,
    case, decision)."""
    text, kinds, outcomes, warnings = log_columns(decision)
    return kinds, outcomes, warnings, case_json(case).encode(), text.encode()


def _texts_of(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return row[2], row[8], row[9], row[10], row[11]


def test_a_decision_journaled_as_its_parts_is_loaded_as_the_same_row(fixed: Kernel) -> None:
    """The loader writes the texts of a decision journaled as its parts: the same bytes
    the deciding process writes, on every case; the other fields as given."""
    compared = 0
    for case in _every_case():
        try:
            decision = fixed.evaluate(case)
        except Exception:  # a rule case that expects an error: nothing is logged
            continue
        if decision.log_trace() is None:
            continue  # journaled as its row (texts written by the model's serialiser)
        row = _journaled_row(decision, case)
        assert _texts_of(row) == _row_texts(decision, case), case["id"]
        assert row[:2] == (decision.case_id, decision.industry)
        assert (row[3], row[4], row[5], row[6], row[7]) == (
            "2026-05-06T10:30:00+08:00",
            None,
            1.5,
            decision.rules_version,
            "{}",
        )
        assert row[12:] == ("calendar", None) and len(row) == load.ROW_FIELDS
        compared += 1
    assert compared > 500


def test_a_case_marshal_refuses_is_journaled_as_its_text(fixed: Kernel) -> None:
    """A Python host's case holding a date: the caller writes the case's text; a decision
    whose outcomes marshal refuses is journaled as its row."""
    decision = fixed.evaluate(return_case())
    case = {"id": "C", "facts": {"on": dt.date(2026, 3, 2), "n": Decimal("1.50")}}
    payload = journal_payload(decision, case, ("C", "e", "t", None, 1.0, "v", "{}"), (None, None))
    assert payload is not None and marshal.loads(payload)[3] == case_json(case)
    assert _texts_of(_journaled_row(decision, case)) == _row_texts(decision, case)
    odd = decision.model_copy(update={"outcomes": {"return": {"x": Decimal("1")}}})
    odd.__pydantic_private__["_log_trace_source"] = decision.__pydantic_private__[
        "_log_trace_source"
    ]
    assert journal_payload(odd, {}, ("C", "e", "t", None, 1.0, "v", "{}"), (None, None)) is None


def test_an_entry_with_overrides_is_written_as_pydantic_writes_it(rules_copy: Path) -> None:
    """An industry redefines a common constant (test_common_pack): the entry's
    "overrides", static text of the rule, is pydantic's too."""
    path = rules_copy / "ecommerce" / "escalation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("constants:\n", "constants:\n  department_contact_working_hours: 4\n", 1),
        encoding="utf-8",
    )
    ticket = {
        "id": "T",
        "industry": "ecommerce",
        "kind": "escalation",
        "facts": {"issue_type": "logistics", "ticket_created_at": "2026-03-20T17:00:00+08:00"},
    }
    with Kernel(rules_dir=rules_copy, clock=lambda: NOW) as kernel:
        first, second = kernel.evaluate(ticket), kernel.evaluate(ticket)
    assert first.log_trace() is not None
    columns = log_columns(first)
    assert '"overrides":{"department_contact_working_hours":' in columns[0]
    assert columns == _by_pydantic(_through_the_model(second))


def test_the_columns_are_pieces_of_the_decision_json(tmp_path: Path) -> None:
    """kinds, outcomes and warnings are what SQLite would cut from decision_json."""
    with Kernel(db=tmp_path / "log.db") as kernel:
        kernel.evaluate(return_case())
        kernel.evaluate({**return_case(), "id": "W", "extra": 1})
    conn = sqlite3.connect(tmp_path / "log.db")
    rows = conn.execute(
        "SELECT kinds, outcomes, warnings, (SELECT json_group_array(key) FROM"
        " json_each(decision_json, '$.outcomes')), json_extract(decision_json, '$.outcomes'),"
        " json_extract(decision_json, '$.warnings') FROM decisions"
    ).fetchall()
    assert len(rows) == 2
    for kinds, outcomes, warnings, *cut in rows:
        assert [json.loads(kinds), json.loads(outcomes), json.loads(warnings)] == [
            json.loads(text) for text in cut
        ]
    assert "case keys ignored: extra" in json.loads(rows[1][2])


def test_a_decision_without_the_recipe_is_written_by_pydantic(fixed: Kernel) -> None:
    """A copy with another trace, a pickled decision, an invalid one: no recipe, so the
    log writes what the object holds."""
    decision = fixed.evaluate(return_case())
    emptied = decision.model_copy(update={"trace": []})
    assert emptied.log_trace() is None
    assert json.loads(log_columns(emptied)[0])["trace"] == []
    assert pickle.loads(pickle.dumps(fixed.evaluate(return_case()))).log_trace() is None
    invalid = fixed.evaluate(return_case(delivered_date="not a date"))
    assert invalid.log_trace() is None
    assert json.loads(log_columns(invalid)[0]) == invalid.to_log_dict()


def _fired_once(
    ruleset: CompiledRuleset, value: Any, lost: bool = False, *, empty: bool = False
) -> tuple[Decision, Decision]:
    """Two decisions whose two fired rules (one setting money, one a message) set every
    value they set to ``value`` and read it for every value their conditions read (lost:
    other rules' values won every key; empty: they set nothing), one to be written by the
    log's recipe, one by pydantic."""
    rules = [
        next(
            rule
            for rule in ruleset.rules
            if rule.shown and any(item.key in ruleset.money for item in rule.sets)
        ),
        next(
            rule
            for rule in ruleset.rules
            if rule.shown and rule.message and all(s.key not in ruleset.money for s in rule.sets)
        ),
    ]
    firings = [
        Firing(rule, {} if empty else {item.key: value for item in rule.sets}) for rule in rules
    ]
    winners = {key: {-1} for firing in firings for key in firing.values} if lost else {}
    read = {name: value for rule in rules for name in rule.shown}
    results = [(ruleset.kind, ruleset, Result({}, firings, read, winners))]

    def decision() -> Decision:
        return Decision.build(
            case_id="C",
            industry=ruleset.industry,
            outcomes={},
            trace=lambda: trace_entries(results),
            warnings=[],
            rules_version="v",
            log_trace=lambda: trace_pieces(results, []),
        )

    return decision(), decision()


def _return_rules(kernel: Kernel) -> CompiledRuleset:
    return kernel.library.get("ecommerce", "return").compiled


ODD_VALUES = [
    math.nan,
    -math.inf,
    2.675,
    dt.date(2026, 5, 1),
    dt.datetime(2026, 5, 1, 0, 0, tzinfo=dt.UTC),  # put in China time
    dt.datetime(2026, 5, 1, 9, 30),
    dt.timedelta(hours=2),
    ("a", dt.date(2026, 1, 2)),
    {"b", "c"} - {"c"},
    Decimal("1.50"),
    [{"x": 1}, {"y": [2.675]}],  # its text holds the },{ the log's encoding cuts at
    'a "quoted" },{ text\n退货',  # so does this plain text
    {"nested": {"when": dt.datetime(2026, 1, 1, 12, 0)}},
    None,
    True,
    10**30,
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_any_value_set_or_read_is_written_as_pydantic_writes_it(fixed: Kernel, value: Any) -> None:
    """Plain values, money to round, timestamps, lists, texts holding },{, a NaN: the
    log's text is pydantic's, set and read, the rule's values kept or overridden."""
    ruleset = _return_rules(fixed)
    for lost in (False, True):
        direct, modelled = _fired_once(ruleset, value, lost)
        assert direct.log_trace() is not None
        text = log_columns(direct)[0]
        assert text == _by_pydantic(_through_the_model(modelled))[0]
        assert ('"overridden":[' in text) is lost
        assert _journaled_row(direct, {})[11] == text.encode()  # so does the loader's


def test_empty_objects_and_a_nan_are_written_as_pydantic_writes_them(fixed: Kernel) -> None:
    ruleset = _return_rules(fixed)
    direct, modelled = _fired_once(ruleset, None, empty=True)
    assert log_columns(direct) == _by_pydantic(_through_the_model(modelled))
    assert json.loads(log_columns(direct)[0])["trace"][0]["set"] == {}
    direct, _ = _fired_once(ruleset, math.nan)
    entry = json.loads(log_columns(direct)[0])["trace"][0]
    assert set(entry["set"].values()) == set(entry["matched"].values()) == {None}


def test_a_rule_sets_text_is_made_once_per_rule_set(rules_copy: Path) -> None:
    """The static text of a rule's entry is kept with its rule set: a rule set loaded
    again (here: a rule renamed) writes its own, and the old one's goes with it."""
    rules = rules_copy
    with Kernel(rules_dir=rules) as kernel:
        first = kernel.evaluate(return_case())
        pieces = first.log_trace()
        assert pieces is not None
        before = trace_utf8(pieces).decode()
        name = first.trace[0].name
        assert json.dumps(name, ensure_ascii=False) in before
        old = _return_rules(kernel)
        held = [key for key in _tables if key[0] == id(old)]
        assert held
        file = next(file for file in rules.rglob("*.yaml") if name in file.read_text("utf-8"))
        file.write_text(file.read_text("utf-8").replace(name, name + " renamed"), "utf-8")
        kernel.reload()
        again = kernel.evaluate(return_case())
        assert _return_rules(kernel) is not old
        pieces = again.log_trace()
        assert pieces is not None and trace_utf8(pieces).decode() == before.replace(
            name, name + " renamed"
        )
        assert log_columns(again) == _by_pydantic(
            _through_the_model(kernel.evaluate(return_case()))
        )
        del old, first
        gc.collect()
        assert all(key not in _tables or _tables[key][0]() is not None for key in held)


@pytest.mark.parametrize(
    "facts",
    [
        {"delivered_date": "2026-03-02", "amount": 12.5, "items": [{"sku": "A", "qty": 2}]},
        {"on": dt.date(2026, 3, 2), "at": dt.datetime(2026, 3, 2, 9, 30), "n": Decimal("1.50")},
        {"pair": (1, 2), "tags": {"b", "a"} - {"b"}, "nested": {"when": [dt.date(2025, 1, 1)]}},
        {"inf": math.inf, "text": '退货\n"引号"', "none": None, 3: "int key"},
    ],
)
def test_the_case_is_written_as_received(facts: dict[str, Any]) -> None:
    """One pass of the C encoder gives what as_received and then JSON gave."""
    case = {"id": "C", "industry": "ecommerce", "kinds": None, "facts": facts}
    assert case_json(case) == compact_json(as_received(case))


def test_a_case_with_a_key_json_refuses_takes_the_long_way() -> None:
    case = {"facts": {dt.date(2026, 1, 1): "a date as a key"}}
    assert json.loads(case_json(case)) == {"facts": {"2026-01-01": "a date as a key"}}


def test_a_new_log_has_small_pages_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    """And the WAL restarts at the same size in bytes (40 MiB), whatever its pages."""
    store = DecisionStore(tmp_path / "new.db")
    assert store.db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 2048
    assert store._checkpointer is not None
    _checkpoint_once(store)
    assert store._checkpointer.restart_frames == 20_000
    store.close()
    old = sqlite3.connect(tmp_path / "old.db")
    old.execute("PRAGMA page_size=4096")
    old.execute("CREATE TABLE unrelated (x)")
    old.commit()
    old.close()
    store = DecisionStore(tmp_path / "old.db")
    assert store.db.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert "decisions" in store.db.table_names()
    _checkpoint_once(store)
    assert store._checkpointer is not None and store._checkpointer.restart_frames == 10_000
    store.close()


def _checkpoint_once(store: DecisionStore) -> None:
    checkpointer = store._checkpointer
    assert checkpointer is not None
    checkpointer.every = 1
    with Kernel() as kernel:
        decision = kernel.evaluate(return_case())
    store.record({"id": "P"}, decision, plugin_versions={}, duration_ms=1, as_of=None)
    deadline = time.monotonic() + 10
    while checkpointer.done == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpointer.done >= 1
