"""The decision cscore answers (DESIGN.md §2.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from cscore.models.construct import construct

if TYPE_CHECKING:
    from cscore.store.logtext import TracePieces


class TraceEntry(BaseModel):
    """One rule that fired: what it set and the values it matched."""

    model_config = ConfigDict(frozen=True, validate_by_name=True, serialize_by_alias=True)

    rule: str  # the catalog id (several rules of a rule set may share it)
    name: str
    kind: str
    ruleset: str
    source: str  # "rules/ecommerce/return.yaml:12"
    set_values: dict[str, Any] = Field(default_factory=dict, alias="set")
    matched: dict[str, Any] = Field(default_factory=dict)
    # keys another rule decided instead (a higher priority, an earlier "first" rule)
    overridden: list[str] = Field(default_factory=list, exclude_if=lambda keys: not keys)
    # constants of the common pack this rule used as an industry file redefined them
    overrides: dict[str, str] = Field(default_factory=dict, exclude_if=lambda found: not found)
    # customer-facing text of the rule, or why a fact was rejected
    message: str | None = Field(default=None, exclude_if=lambda text: text is None)
    # the rule's unique key in its rule set: the id, or "ECOM-RET-001#2" where several
    # rules share the id (see docs/rules.md); the id itself for entries not from a file
    key: str = ""

    @classmethod
    def build(
        cls,
        *,
        rule: str,
        name: str,
        kind: str,
        ruleset: str,
        source: str,
        set_values: dict[str, Any],
        matched: dict[str, Any],
        overridden: list[str],
        overrides: dict[str, str],
        message: str | None,
        key: str | None = None,
    ) -> TraceEntry:
        """An entry from values the kernel already made JSON-ready (not re-validated)."""
        return construct(
            cls,
            {
                "rule": rule,
                "name": name,
                "kind": kind,
                "ruleset": ruleset,
                "source": source,
                "set_values": set_values,
                "matched": matched,
                "overridden": overridden,
                "overrides": overrides,
                "message": message,
                "key": key or rule,
            },
        )


TraceSource = Callable[[], list[TraceEntry]]
LogTraceSource = Callable[[], "TracePieces"]
ExplanationSource = Callable[[], dict[str, Any]]


class Decision(BaseModel):
    """Outcomes per kind, the rule-by-rule trace, warnings and the rules' version.

    The kernel hands over the trace as a recipe: it is built the first time anything
    reads it (``decision.trace``, ``model_dump``, the decision log, ``--explain``), so a
    host that only reads outcomes does not pay for it.
    """

    model_config = ConfigDict(frozen=True)

    case_id: str
    industry: str
    outcomes: dict[str, dict[str, Any]]
    trace: list[TraceEntry] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    rules_version: str
    # what decided each outcome field, the messages to read out, why not, what would
    # change it (cscore.explain; docs/decision.md); built, like the trace, when read
    explanation: dict[str, Any] | None = Field(default=None, exclude_if=lambda e: e is None)

    _trace_source: TraceSource | None = PrivateAttr(default=None)
    _explanation_source: ExplanationSource | None = PrivateAttr(default=None)
    _log_trace_source: LogTraceSource | None = PrivateAttr(default=None)

    @classmethod
    def build(
        cls,
        *,
        case_id: str,
        industry: str,
        outcomes: dict[str, dict[str, Any]],
        trace: list[TraceEntry] | TraceSource,
        warnings: list[str],
        rules_version: str,
        explanation: dict[str, Any] | ExplanationSource | None = None,
        log_trace: LogTraceSource | None = None,
    ) -> Decision:
        """A decision from values the kernel already made JSON-ready (not re-validated);
        ``trace`` and ``explanation`` may be functions that build them on first use;
        ``log_trace`` one that gives the same trace as the log's JSON text in pieces,
        without the entry objects (see :meth:`log_trace`)."""
        values: dict[str, Any] = {
            "case_id": case_id,
            "industry": industry,
            "outcomes": outcomes,
            "warnings": warnings,
            "rules_version": rules_version,
        }
        private: dict[str, Any] = {
            "_trace_source": None,
            "_explanation_source": None,
            "_log_trace_source": log_trace,
        }
        if callable(trace):
            private["_trace_source"] = trace
        else:
            values["trace"] = trace
        if callable(explanation):
            private["_explanation_source"] = explanation
        else:
            values["explanation"] = explanation
        return construct(cls, values, private)

    def _settle(self, name: str) -> None:
        private = self.__pydantic_private__
        source = private.get(f"_{name}_source") if private else None
        if private is not None and source is not None:
            self.__dict__[name] = source()
            self.__pydantic_fields_set__.add(name)
            private[f"_{name}_source"] = None

    def _settle_trace(self) -> None:
        """Build whatever is still a recipe (before the decision is dumped, compared,
        copied or pickled); the log's recipe is dropped (a copy may be given another
        trace: :meth:`log_trace` then says to serialise the one it has)."""
        self._settle("trace")
        self._settle("explanation")
        if self.__pydantic_private__:
            self.__pydantic_private__["_log_trace_source"] = None

    def __getattr__(self, name: str) -> Any:
        if name in ("trace", "explanation"):  # not built yet: build this one now
            self._settle(name)
            return self.__dict__[name]
        return super().__getattr__(name)  # type: ignore[misc]

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler, info: Any) -> Any:
        if info.context == _WITHOUT_EXPLANATION:
            self._settle("trace")  # the explanation stays a recipe, and is left out
            data = handler(self)
            data.pop("explanation", None)
            return data
        self._settle_trace()
        return handler(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Decision):
            self._settle_trace()
            other._settle_trace()
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # equal decisions need not hash alike

    def __repr_args__(self) -> Any:
        self._settle_trace()
        return super().__repr_args__()

    def __getstate__(self) -> dict[Any, Any]:
        self._settle_trace()
        return super().__getstate__()

    def model_copy(self, *, update: Any = None, deep: bool = False) -> Decision:
        self._settle_trace()
        return super().model_copy(update=update, deep=deep)

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN.md §2.2."""
        return self.model_dump(mode="json")

    def to_log_json(self) -> str:
        """:meth:`to_log_dict` as JSON text, serialised once (the decision log's row)."""
        return self.model_dump_json(context=_WITHOUT_EXPLANATION)

    def log_trace(self) -> TracePieces | None:
        """The trace as the decision log keeps it — the JSON text pydantic writes for
        :attr:`trace`, in the pieces :func:`cscore.store.logtext.trace_utf8` puts
        together — when the kernel gave a recipe for it; ``None``: serialise
        :attr:`trace` (:meth:`to_log_json`)."""
        private = self.__pydantic_private__
        source = private.get("_log_trace_source") if private else None
        return source() if source is not None else None

    def to_log_dict(self) -> dict[str, Any]:
        """The JSON the decision log keeps: everything but the explanation, which is
        not built for it (a logged decision's explanation is made again from the log,
        see :func:`cscore.replay.decide_again`), so logging costs what it did."""
        return self.model_dump(mode="json", context=_WITHOUT_EXPLANATION)


_WITHOUT_EXPLANATION = "without explanation"
