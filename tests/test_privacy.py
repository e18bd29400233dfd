"""Personal data: fields marked personal are masked wherever the kernel shows or
stores facts (the answer's trace and warnings, invalid-input messages, the decision
log), and no rule can read them."""

from __future__ import annotations

import json
import sqlite3
from typing import Annotated

import pytest
from pydantic import Field

from cscore.kernel import Kernel
from cscore.models.facts import FactsModel, PersonalName, PersonalPhone, Text
from cscore.models.schema import fact_types
from cscore.privacy import Masker, Personal, mask, masker_for, personal_fields

PERSONAL = {
    "customer_name": "张伟",
    "customer_phone": "13812345678",
    "id_number": "110101199003071234",
    "unit_number": "12-1801",
}


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        ("13812345678", "phone", "138****5678"),
        ("张伟", "name", "张*"),
        ("欧阳娜娜", "name", "欧***"),
        ("110101199003071234", "id_number", "110***********1234"),
        ("12-1801", "address", "1******"),
        ("", "text", ""),
    ],
)
def test_mask_shapes(value, kind, masked):
    assert mask(value, kind) == masked


def test_unknown_kind_is_refused_when_the_model_is_written():
    with pytest.raises(ValueError, match="unknown personal-data kind"):
        Personal("email_address")


class Contact(FactsModel):
    phone: PersonalPhone | None = None
    relation: Text | None = None


class Facts(FactsModel):
    name: PersonalName | None = None
    note: Annotated[str, Personal("text")] | None = Field(None)
    contacts: list[Contact] | None = None
    amount: float | None = None


def test_personal_fields_are_found_in_nested_groups_and_lists():
    assert personal_fields(Facts) == {
        "name": "name",
        "note": "text",
        "contacts": {"phone": "phone"},
    }


def test_rules_cannot_name_personal_fields():
    """They are left out of the names a rule file may use; their neighbours are not."""
    types = fact_types(Facts)
    assert "name" not in types and "note" not in types and "amount" in types
    assert dict(types["contacts"].item.fields) == {"relation": types["contacts"].item.fields[0][1]}


def test_masker_hides_values_in_facts_texts_and_numbers():
    facts = {"name": "张伟", "contacts": [{"phone": "13812345678", "relation": "spouse"}]}
    masker = masker_for(Facts, facts)
    assert isinstance(masker, Masker)
    assert masker.facts(facts) == {
        "name": "张*",
        "contacts": [{"phone": "138****5678", "relation": "spouse"}],
    }
    assert masker.text("客户张伟 电话13812345678") == "客户张* 电话138****5678"
    assert masker.value({"x": [13812345678, "张伟"]}) == {"x": ["138****5678", "张*"]}
    assert masker_for(Facts, {"amount": 1.0}) is None  # nothing personal: nothing to do


def _everything(path) -> str:
    """Every byte of the decision log as text (tables, WAL included)."""
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def test_no_personal_value_in_clear_in_a_logged_decision(tmp_path):
    """A sales-office case that carries every personal fact, decided in every kind, once
    valid and once with an invalid personal fact and an invalid price: no clear value in
    the answer (trace, warnings, messages) or anywhere in the SQLite file."""
    db = tmp_path / "decisions.db"
    good = {
        "id": "PRIV-1",
        "industry": "sales_office",
        "facts": {
            **PERSONAL,
            "requester_role": "customer_self",
            "identity_verified": False,
            "payment_type": "earnest_deposit",
            "amount_paid": 50000.0,
            "total_price": 3000000.0,
            "presale_permit": True,
            "contract_signed": False,
            "fault_party": "buyer",
            "first_visit": True,
            "rotation_next": "陈杰",
            "complaint_received_at": "2026-04-11T10:00:00+08:00",
            "as_of": "2026-04-11T15:00:00+08:00",
            "typo_fact": "张伟 13812345678",  # an unknown fact: warned about, still masked
        },
    }
    bad = {
        "id": "PRIV-2",
        "industry": "sales_office",
        "facts": {**PERSONAL, "customer_phone": 13812345678, "total_price": -1.0},
    }
    with Kernel(db=db) as kernel:
        decisions = [kernel.evaluate(good), kernel.evaluate(bad)]
        stored = [kernel.store.get_decision(i) for i in (1, 2)]
    assert decisions[0].outcomes["routing"]["action"] == "deny_disclosure"
    assert decisions[1].outcomes["fee"]["invalid_fields"] == ["customer_phone", "total_price"]
    answers = json.dumps([d.to_json_dict() for d in decisions], ensure_ascii=False)
    logged = _everything(db) + json.dumps(stored, ensure_ascii=False)
    for clear in [*PERSONAL.values(), "13812345678"]:
        assert clear not in answers, clear
        assert clear not in logged, clear
    # …and the masked forms are there: the facts were recorded, not dropped.
    assert stored[0]["case"]["facts"]["customer_phone"] == "138****5678"
    assert stored[1]["case"]["facts"]["customer_phone"] == "138****5678"
    assert "138****5678" in answers  # the rejected phone, masked in the trace
    assert stored[0]["case"]["facts"]["amount_paid"] == 50000.0
