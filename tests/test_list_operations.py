"""List operations in the rule language: ``count/any/all(list where test)`` and
``sum/min/max/first(list [where test], value)`` — parsed, checked against the item
type of a list-of-records fact, and evaluated in what a rule sets."""

from __future__ import annotations

import datetime as dt

import pytest

from cscore.default_plugins.core_functions import FUNCTIONS
from cscore.language.ast import Field, Filter, ListOp, Name, render
from cscore.language.checker import Scope, check_condition, check_value
from cscore.language.interpreter import EmptyList, Interpreter, compile_value
from cscore.language.parser import ExpressionError, parse
from cscore.language.types import BOOL, DATE, INTEGER, MONEY, NUMBER, STRING, list_of, record
from cscore.models.facts import Day, FactsModel, Money, Text
from cscore.models.schema import fact_types

FUNCS = {spec.name: spec for spec in FUNCTIONS}
CLAIM = record({"consultant": STRING, "claim_date": DATE})
LINE = record({"sku": STRING, "list_price": NUMBER, "qty": INTEGER, "returned": BOOL})
SCOPE = Scope(
    facts={
        "claims": list_of(CLAIM),
        "items": list_of(LINE),
        "visit_date": DATE,
        "named_consultant": STRING,
        "scores": list_of(NUMBER),
        "consultant": STRING,  # an outer fact with an item field's name
    },
    values={"claim_last_day": DATE},
    constants={"window": 2},
    functions=FUNCS,
)
FACTS = {
    "visit_date": dt.date(2026, 4, 15),
    "claim_last_day": dt.date(2026, 4, 17),
    "named_consultant": "赵强",
    "consultant": "outer",
    "claims": [
        {"consultant": "李娜", "claim_date": dt.date(2026, 4, 17)},
        {"consultant": "赵强", "claim_date": dt.date(2026, 4, 16)},
        {"consultant": "王敏", "claim_date": dt.date(2026, 4, 16)},
        {"consultant": "陈杰", "claim_date": dt.date(2026, 4, 18)},
    ],
    "items": [
        {"sku": "A", "list_price": 10.0, "qty": 2, "returned": True},
        {"sku": "B", "list_price": 5.5, "qty": 1, "returned": False},
        {"sku": "C", "list_price": 1.0, "qty": 3},  # `returned` missing
    ],
    "scores": [1, 5, 3],
}


def value(text: str, facts: dict | None = None) -> object:
    node, _ = check_value(parse(text), SCOPE)
    return Interpreter(FUNCS).value(node, FACTS if facts is None else facts)


def test_where_parses_into_a_filter_inside_a_call():
    """`claims where test` is the filtered list argument; render gives the text back."""
    node = parse("count(claims where claim_date <= claim_last_day)")
    assert isinstance(node.args[0], Filter)
    assert render(node) == "count(claims where claim_date <= claim_last_day)"
    assert render(parse(render(node))) == render(node)


def test_where_outside_a_call_is_a_syntax_error():
    with pytest.raises(ExpressionError, match="unexpected 'where'"):
        parse("claims where claim_date > visit_date")


def test_checker_turns_item_fields_into_fields_and_keeps_outer_names():
    """Inside the test, bare names are the item's fields; other names stay facts."""
    node, t = check_value(parse("count(claims where claim_date <= visit_date + window)"), SCOPE)
    assert isinstance(node, ListOp) and t == INTEGER
    assert isinstance(node.test.left, Field) and node.test.left.path == "claim_date"
    assert isinstance(node.test.right.left, Name) and node.test.right.left.path == "visit_date"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("count(claims where claim_date <= claim_last_day)", 3),
        ("count(claims where claim_date > claim_last_day)", 1),
        ("any(claims where consultant == named_consultant)", True),
        ("any(claims where claim_date < visit_date)", False),
        ("all(claims where claim_date >= visit_date)", True),
        ("all(items where returned)", False),
        ("min(claims where claim_date <= claim_last_day, claim_date)", dt.date(2026, 4, 16)),
        ("max(claims, claim_date)", dt.date(2026, 4, 18)),
        # the earliest valid claim; ties: the first listed (赵强 before 王敏)
        ('first(claims where claim_date == date("2026-04-16"), consultant)', "赵强"),
        ("sum(items, list_price * qty)", 28.5),
        ("sum(items where returned, list_price * qty)", 20.0),
        # `not x` is true when x is missing, as everywhere in the language
        ("sum(items where not returned, qty)", 4),
        ("sum(items where returned == false, qty)", 1),
        ("sum(scores where item > 1, item)", 8),
        ("count(scores)", 3),  # the plain function: the length of a list
        ("min(1, 2)", 1),  # min of two values is still the function
    ],
)
def test_list_operations_evaluate(text, expected):
    assert value(text) == expected


def test_an_item_field_wins_over_an_outer_fact_of_the_same_name():
    assert value('first(claims where consultant != "outer", consultant)') == "李娜"
    assert value("count(claims where consultant == consultant)") == 4


def test_empty_results():
    """count/any/sum of nothing are 0/false/0; min/max/first of nothing have no value."""
    facts = {**FACTS, "claims": []}
    assert value("count(claims where claim_date > visit_date)", facts) == 0
    assert value("any(claims where claim_date > visit_date)", facts) is False
    assert value("all(claims where claim_date > visit_date)", facts) is True
    with pytest.raises(EmptyList):
        value("min(claims where claim_date > visit_date, claim_date)", facts)
    assert value("default(min(claims, claim_date), visit_date)", facts) == dt.date(2026, 4, 15)


def test_a_missing_list_is_missing_and_default_gives_a_value():
    facts = {key: v for key, v in FACTS.items() if key != "claims"}
    assert value("default(count(claims where claim_date > visit_date), 0)", facts) == 0


def test_compiled_value_agrees_with_the_interpreter():
    node, _ = check_value(parse("sum(items where returned, list_price * qty)"), SCOPE)
    assert compile_value(node, FUNCS)(FACTS, Interpreter(FUNCS).ctx) == 20.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("count(claims where claim_dat <= visit_date)", "did you mean 'claim_date'?"),
        ("count(claims where consultant)", "must be true or false"),
        ("sum(claims, consultant)", "sum() adds numbers"),
        ("min(claims, consultant)", "needs numbers, dates or times"),
        ("any(claims)", "any() needs a test"),
        ("count(visit_date where visit_date > visit_date)", "walks a list"),
        ("first(claims where claim_date > visit_date)", "takes 2 arguments"),
        ("round(claims where claim_date > visit_date, 1)", "'where' filters a list only"),
    ],
)
def test_mistakes_are_load_errors(text, message):
    with pytest.raises(ExpressionError) as caught:
        check_value(parse(text), SCOPE)
    assert message in caught.value.message


def test_a_list_operation_in_a_condition_says_to_set_a_value_first():
    with pytest.raises(ExpressionError, match="cannot be used in a condition: set it as a value"):
        check_condition(parse("count(claims where claim_date <= claim_last_day) > 0"), SCOPE)


def test_a_list_of_fact_groups_is_a_list_of_records():
    """schema.fact_types gives a list-of-model fact an item type with its fields."""

    class Claim(FactsModel):
        consultant: Text
        claim_date: Day
        amount: Money | None = None

    class Facts(FactsModel):
        claims: list[Claim] | None = None

    claims = fact_types(Facts)["claims"]
    assert claims.name == "list" and claims.item is not None
    assert dict(claims.item.fields) == {
        "consultant": STRING,
        "claim_date": DATE,
        "amount": MONEY,
    }
