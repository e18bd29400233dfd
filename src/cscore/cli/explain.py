"""A decision explained for a person: outcome, then the rules that fired and why."""

from __future__ import annotations

import json
from typing import Any

from cscore.models.decision import Decision


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _pairs(values: dict[str, Any]) -> str:
    return ", ".join(f"{key}={_value(value)}" for key, value in values.items())


def explain(decision: Decision) -> str:
    lines = [f"case {decision.case_id} ({decision.industry})"]
    for kind, outcome in decision.outcomes.items():
        lines.append("")
        lines.append(f"[{kind}]")
        if not outcome:
            lines.append("  no rule decided anything for this kind")
        for key, value in outcome.items():
            lines.append(f"  {key}: {_value(value)}")
        fired = [entry for entry in decision.trace if entry.kind == kind]
        if fired:
            lines.append("  because:")
        for entry in fired:
            lines.append(f"    {entry.key or entry.rule} {entry.name}  ({entry.source})")
            if entry.matched:
                lines.append(f"      matched: {_pairs(entry.matched)}")
            if entry.set_values:
                lines.append(f"      set:     {_pairs(entry.set_values)}")
            if entry.overridden:
                lines.append(
                    f"      overridden by a higher-priority rule: {', '.join(entry.overridden)}"
                )
            for name, place in entry.overrides.items():
                lines.append(f"      uses {name} as redefined at {place}")
            if entry.message:
                lines.append(f"      note: {entry.message}")
    if decision.warnings:
        lines.append("")
        lines.extend(f"warning: {warning}" for warning in decision.warnings)
    lines.append("")
    lines.append(f"rules version {decision.rules_version}")
    return "\n".join(lines)
