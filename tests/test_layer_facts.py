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
