"""Layer facts (cscore.engine.layerfact): read-only views over one evaluation's shared
fields, with their JSON text; the fields a layer's rules read, and its tag."""

from __future__ import annotations

import json

import pytest

from cscore.engine.layerfact import LayerFact, SharedFields, plain_facts


def test_a_layer_fact_holds_the_fields_its_rules_read_and_its_tag():
    shared = SharedFields({"amount": 12.5, "city": "北京", "late": True})
    fact = LayerFact(shared, "L1.0", ("amount", "late", "missing"))
    assert len(fact) == 3 and list(fact) == ["amount", "late", "t"]
    assert fact["amount"] == 12.5 and fact["t"] == "L1.0" and fact.get("missing") is None
    with pytest.raises(KeyError):
        fact["city"]  # shared, but not read by this layer's rules
    assert dict(fact) == fact.as_dict() == {"amount": 12.5, "late": True, "t": "L1.0"}
    text = fact.json_with('"sid":"1","id":7')
    assert json.loads(text) == {"amount": 12.5, "late": True, "t": "L1.0", "sid": "1", "id": 7}


def test_every_shared_field_when_no_names_are_given_and_a_settled_value_joins():
    shared = SharedFields({"a": 1})
    shared.set("b", "x")
    fact = LayerFact(shared, "L2.0", None)
    assert fact.as_dict() == {"a": 1, "b": "x", "t": "L2.0"}
    assert json.loads(fact.json_with('"sid":"2","id":1'))["b"] == "x"


def test_plain_facts_are_dicts_and_other_facts_pass_as_they_are():
    shared = SharedFields({"a": 1})
    other = {"t": "x"}
    converted = plain_facts([LayerFact(shared, "L0.0", ("a",)), other])
    assert converted == [{"a": 1, "t": "L0.0"}, other]
    assert [type(fact) for fact in converted or []] == [dict, dict]
    assert plain_facts(None) is None and plain_facts([]) == []


def test_a_flag_and_a_whole_number_never_share_a_piece():
    """True == 1 in Python: each type keeps its own pieces, so neither is written as
    the other, whichever came first."""
    first = SharedFields({"n": 1, "f": True})
    again = SharedFields({"n": True, "f": 1})
    assert json.loads(LayerFact(first, "L0.0", None).json_with('"id":1')) == {
        "n": 1,
        "f": True,
        "t": "L0.0",
        "id": 1,
    }
    text = LayerFact(again, "L0.0", None).json_with('"id":2')
    assert '"n":true' in text and '"f":1' in text


def test_only_fields_the_engine_could_refuse_are_left_to_check():
    """Texts, whole numbers and flags have nothing durable refuses; a float (NaN) or a
    record (its fields) is checked once, when a layer is asserted."""
    shared = SharedFields({"a": "x", "b": 2, "c": False, "d": 1.5, "e": {"f": 1}})
    assert shared.take_unchecked() == {"d": 1.5, "e": {"f": 1}}
    assert shared.take_unchecked() == {}
    shared.set("g", True)
    shared.set("h", float("nan"))
    assert list(shared.take_unchecked()) == ["h"]
