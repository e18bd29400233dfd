"""Every hit policy and tie-break, through real rule files and the engine: each test
fails if the settlement code it covers (rulebook/resolution.py, run.py beaten_rows) is
changed — the mutations tried are listed in the docstrings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cscore.errors import RuleEvaluationError
from cscore.kernel import Kernel

from .conftest import return_case

POLICIES = """\
outputs:
  winner: priority
  ordered: {hit: priority, order: file}
  picked: first
  only: unique
  tags: collect
  total: sum
  low: min
  high: max
  row_key: priority
  row_extra: priority
rules:
  - id: P-LOW
    priority: 1
    set: {winner: by_low}
  - id: P-HIGH
    priority: 5
    set: {winner: by_high}
  - id: P-MID
    priority: 3
    set: {winner: by_mid}
  - id: O-ONE
    set: {ordered: one}
  - id: O-TWO
    set: {ordered: two}
  - id: F-A
    priority: 1
    set: {picked: a}
  - id: F-B
    priority: 99
    set: {picked: b}
  - id: U-1
    set: {only: same}
  - id: U-2
    when: goods_amount_paid > 0
    set: {only: same}
  - id: C-1
    set: {tags: [x, y]}
  - id: C-2
    set: {tags: y}
  - id: C-3
    set: {tags: [z, x]}
  - id: S-1
    set: {total: 10}
  - id: S-2
    set: {total: 2.5}
  - id: S-3
    set: {total: goods_amount_paid}
  - id: M-1
    set: {low: 5, high: 5}
  - id: M-2
    set: {low: 3, high: 3}
  - id: M-3
    set: {low: 7, high: 7}
  - id: ROW-LOSER
    priority: 10
    set: {row_key: lost, row_extra: stray}
  - id: ROW-WINNER
    priority: 20
    set: {row_key: won}
"""

PACK = """\
outputs:
  winner: priority
rules:
  - id: PACK-EQUAL
    priority: 5
    set: {winner: from_the_pack}
  - id: PACK-ABOVE
    priority: 4
    set: {winner: pack_lower}
"""


def write(tmp_path: Path, own: str, pack: str | None = None) -> Path:
    rules = tmp_path / "rules"
    (rules / "common").mkdir(parents=True, exist_ok=True)
    (rules / "ecommerce").mkdir(parents=True, exist_ok=True)
    (rules / "ecommerce" / "return.yaml").write_text(textwrap.dedent(own), encoding="utf-8")
    if pack is not None:
        (rules / "common" / "return.yaml").write_text(textwrap.dedent(pack), encoding="utf-8")
    return rules


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    rules = write(tmp_path_factory.mktemp("policies"), POLICIES, PACK)
    with Kernel(rules_dir=rules) as kernel:
        decision = kernel.evaluate(return_case(goods_amount_paid=259.0))
    outcome: dict[str, object] = decision.outcomes["return"]
    return outcome


def test_priority_the_highest_wins_whatever_the_order(decided):
    """P-HIGH (5) beats P-MID (3), defined after it, and P-LOW (1) before it; and it
    beats the pack's PACK-EQUAL (5) at equal priority: an industry rule is defined
    before the packs'. Mutations: max→min of priorities; the tie to the last rule."""
    assert decided["winner"] == "by_high"


def test_priority_order_file_takes_the_first_in_file_order(decided):
    """`order: file`: equal priorities settled by file order, on purpose.
    Mutation: the tie to the last rule (next(...) over reversed candidates)."""
    assert decided["ordered"] == "one"


def test_first_takes_the_first_defined_whatever_the_priorities(decided):
    """F-A (priority 1) is defined before F-B (99). Mutation: `first` by priority."""
    assert decided["picked"] == "a"


def test_unique_agreeing_rules_give_their_one_value(decided):
    assert decided["only"] == "same"


def test_unique_disagreeing_rules_are_an_evaluation_error(tmp_path):
    """Mutation: dropping the comparison (the first value would silently win)."""
    own = POLICIES.replace("set: {only: same}\n  - id: C-1", "set: {only: other}\n  - id: C-1")
    with Kernel(rules_dir=write(tmp_path, own)) as kernel:
        with pytest.raises(RuleEvaluationError, match=r"'only' must have one value.*U-1.*U-2"):
            kernel.evaluate(return_case())


def test_collect_in_definition_order_without_repeats_lists_merged(decided):
    """[x, y] + y + [z, x] → [x, y, z]. Mutations: no de-duplication; sorted or
    reversed order; a list value appended as one item."""
    assert decided["tags"] == ["x", "y", "z"]


def test_sum_adds_every_value(decided):
    """10 + 2.5 + 259. Mutation: sum → max/min/first."""
    assert decided["total"] == pytest.approx(271.5)


def test_min_and_max(decided):
    """5, 3, 7. Mutations: max(values) ↔ min(values)."""
    assert (decided["low"], decided["high"]) == (3, 7)


def test_a_rule_that_lost_its_row_adds_no_stray_key(decided):
    """ROW-WINNER (20) takes row_key from ROW-LOSER (10), so ROW-LOSER's row_extra,
    which nobody else sets, is not reported. Mutation: beaten_rows marking no loser."""
    assert decided["row_key"] == "won"
    assert "row_extra" not in decided


def test_the_trace_names_who_won_and_who_was_overridden(tmp_path):
    rules = write(tmp_path, POLICIES, PACK)
    with Kernel(rules_dir=rules) as kernel:
        decision = kernel.evaluate(return_case())
    by_rule = {entry.rule: entry for entry in decision.trace}
    assert set(by_rule) >= {"P-HIGH", "P-LOW", "PACK-EQUAL", "ROW-LOSER"}
    assert "winner" in by_rule["PACK-EQUAL"].overridden
    assert "winner" not in by_rule["P-HIGH"].overridden
    assert {"row_key", "row_extra"} <= set(by_rule["ROW-LOSER"].overridden)


SOLE = """\
outputs:
  tier: priority
  label: priority
values:
  level: {hit: priority, default: low}
rules:
  - id: SOLE-SET
    when: goods_amount_paid > 100
    set: {level: high}
  - id: SOLE-READ
    when: level == high
    set: {tier: gold}
  - id: SOLE-OTHER
    when: level == low
    set: {tier: plain}
  - id: SOLE-LABEL
    set: {label: level}
"""


@pytest.mark.parametrize(
    ("paid", "level", "tier"), [(259.0, "high", "gold"), (59.0, "low", "plain")]
)
def test_a_key_one_rule_alone_sets_is_its_value_or_else_its_default(tmp_path, paid, level, tier):
    """`level` has one setter, so it is settled as SOLE-SET fires (run.fire,
    CompiledRuleset.settled_on_firing): a later layer's condition reads it, its
    default does not overwrite it, and it takes the default when the rule stays
    silent. Mutations: the default applied to a key settled on firing; the value not
    passed to the engine; a key of two setters settled on firing."""
    with Kernel(rules_dir=write(tmp_path, SOLE)) as kernel:
        ruleset = kernel.library.get("ecommerce", "return").compiled
        assert "level" in ruleset.settled_on_firing
        assert "tier" not in ruleset.settled_on_firing  # two rules set it
        decision = kernel.evaluate(return_case(goods_amount_paid=paid))
    assert decision.outcomes["return"] == {"tier": tier, "label": level}
    winners = {entry.rule for entry in decision.trace if entry.key.startswith("SOLE-")}
    assert ("SOLE-SET" in winners) is (paid > 100)
