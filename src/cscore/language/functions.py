"""Functions that rule files may call in what a rule sets (and, when every argument is
a constant, in conditions too).

Plugins contribute them through the ``register_functions`` hook; the built-in ones
(``min``, ``round``, ``add_working_days``...) come from default plugins the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cscore.language.types import ANY, NUMERIC, Type, base


class CalendarLike(Protocol):
    """What functions may ask of the evaluation's working-day calendar."""

    warnings: list[str]


@dataclass(slots=True)
class EvalContext:
    """Handed to every function call: the case's calendar and where warnings go."""

    calendar: Any = None
    warnings: list[str] = field(default_factory=list)


Typer = Callable[[Sequence[Type]], Type]


class ArgumentTypeError(ValueError):
    """An argument has the wrong type; ``index`` says which (or -1 for the arity)."""

    def __init__(self, message: str, index: int = -1) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function usable in rule files.

    :param impl: ``impl(ctx, *args)``; gets Python values (``date``, ``datetime``,
        ``timedelta``, numbers, strings) and returns one.
    :param params: the parameter types; a trailing ``...`` is expressed with ``variadic``.
    :param returns: the result type, or a function of the argument types.
    :param constant: pure and calendar-free, so a call with constant arguments is
        folded when the file loads and may appear in a condition.
    """

    name: str
    impl: Callable[..., Any]
    params: tuple[Type, ...]
    returns: Type | Typer
    doc: str = ""
    variadic: bool = False
    optional: int = 0  # how many trailing params may be left out
    constant: bool = False
    plugin: str = ""
    # The catalog rule the function implements (e.g. COMMON-CAL-004) and its name: a
    # rule that calls the function cites it in the trace.
    rule: str = ""
    rule_name: str = ""

    @classmethod
    def pure(
        cls,
        name: str,
        function: Callable[..., Any],
        params: tuple[Type, ...],
        returns: Type | Typer,
        doc: str = "",
        **options: Any,
    ) -> FunctionSpec:
        """A function of its arguments alone (no calendar, no context): ``constant``,
        so a call on constants folds when the file loads; ``function(*args)``."""
        return cls(
            name, lambda ctx, *args: function(*args), params, returns, doc, constant=True, **options
        )

    def result_type(self, args: Sequence[Type]) -> Type:
        """Check the argument types and return the result type (ArgumentTypeError if wrong)."""
        required = len(self.params) - self.optional
        if self.variadic:
            if len(args) < max(required, 1):
                raise ArgumentTypeError(f"{self.name}() needs at least {max(required, 1)} values")
        elif not required <= len(args) <= len(self.params):
            expected = (
                str(len(self.params)) if not self.optional else f"{required} to {len(self.params)}"
            )
            raise ArgumentTypeError(f"{self.name}() takes {expected} values, got {len(args)}")
        for index, arg in enumerate(args):
            expected_type = self.params[min(index, len(self.params) - 1)]
            if not accepts(expected_type, arg):
                raise ArgumentTypeError(
                    f"{self.name}() value {index + 1} must be a {expected_type}, got a {arg}", index
                )
        return self.returns(args) if callable(self.returns) else self.returns


def accepts(param: Type, arg: Type) -> bool:
    if param.name == "any" or arg.name == "any":
        return True
    if param.name == "number":
        return arg.name in NUMERIC
    if param.name == "list":
        return arg.name == "list"
    return base(param) == base(arg)


FunctionTable = dict[str, FunctionSpec]

__all__ = ["ANY", "ArgumentTypeError", "EvalContext", "FunctionSpec", "FunctionTable", "accepts"]
