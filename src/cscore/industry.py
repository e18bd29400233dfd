"""What a plugin declares to teach the kernel a line of business."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from cscore.language.types import Type
from cscore.models.facts import FactsModel
from cscore.models.schema import fact_types


@dataclass(frozen=True)
class IndustrySpec:
    """One industry (``register_industries`` hook).

    :param key: the case's ``industry`` value, e.g. ``"ecommerce"``.
    :param name: a display name (Chinese welcome), e.g. ``"电商订单"``.
    :param facts_model: the pydantic model that validates ``case.facts``.
    :param kinds: the decision kinds it answers, in evaluation order.
    :param rules_dir: its default rule files (``<kind>.yaml``, tables, ``*.cases.yaml``).
    :param derived_facts: facts its ``enrich_case`` adds, as a pydantic model whose
        fields name and type them (so rule files can use them and be type-checked).
    """

    key: str
    name: str
    facts_model: type[FactsModel]
    kinds: tuple[str, ...]
    rules_dir: Path
    derived_facts: type[BaseModel] | None = None
    description: str = ""
    plugin: str = field(default="", compare=False)

    def fact_types(self) -> Mapping[str, Type]:
        """Every fact a rule file of this industry may name, with its type."""
        types = dict(fact_types(self.facts_model))
        if self.derived_facts is not None:
            types.update(fact_types(self.derived_facts))
        return types
