"""The mixed workload: realistic cases of every industry and kind.

Taken from the rule cases beside the rule files (``rules/<industry>/*.cases.yaml``:
the business's own examples, edge cases included) and the public example cases
(``tests/data/cases_public.json``), repeated and shuffled with a fixed seed to the
size asked for. Every case is decided for the kinds its source names.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from cscore.jsonvalues import as_received
from cscore.rulebook.cases import find_case_files, load_cases

ROOT = Path(__file__).resolve().parents[1]


def sources() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for file in find_case_files([ROOT / "rules"]):
        if file.parent.name == "common":
            continue  # the shared pack's cases are decided through each industry's
        for case in load_cases(file):
            envelope = case.envelope()
            envelope["facts"] = as_received(envelope["facts"])  # as a host sends them
            cases.append(envelope)
    return cases + public_envelopes()


def public_envelopes() -> list[dict[str, Any]]:
    """The public cases (tests/data/cases_public.json) as a host sends them."""
    public = json.loads((ROOT / "tests" / "data" / "cases_public.json").read_text("utf-8"))
    envelopes = []
    for case in public:
        envelope = {k: v for k, v in case.items() if k in ("id", "industry", "facts")}
        if "kind" in case:
            envelope["kinds"] = [case["kind"]]
        envelopes.append(envelope)
    return envelopes


def generate(count: int, seed: int = 20261123) -> list[dict[str, Any]]:
    base = sources()
    rng = random.Random(seed)
    rng.shuffle(base)  # a short run still draws from every industry
    out = [dict(base[i % len(base)], id=f"MIX-{i}") for i in range(count)]
    rng.shuffle(out)
    return out
