"""cscore — a customer-service decision kernel.

::

    import cscore
    decision = cscore.evaluate({"industry": "ecommerce", "kind": "return", "facts": {...}})
    decision.outcomes["return"]["decision"]

    with cscore.Kernel(rules_dir="rules", db="cscore.db") as kernel:
        kernel.evaluate(case)
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from cscore.errors import (
    CaseError,
    CscoreError,
    EngineError,
    PluginError,
    RuleEvaluationError,
    RuleFileError,
    RuleLoadError,
    StoreError,
)
from cscore.hookspecs import hookimpl
from cscore.models.decision import Decision, TraceEntry

if TYPE_CHECKING:
    from cscore.kernel import Kernel

__version__ = "0.1.0"

__all__ = [
    "CaseError",
    "CscoreError",
    "Decision",
    "EngineError",
    "Kernel",
    "PluginError",
    "RuleEvaluationError",
    "RuleFileError",
    "RuleLoadError",
    "StoreError",
    "TraceEntry",
    "default_kernel",
    "evaluate",
    "hookimpl",
]

_default: Kernel | None = None
_default_lock = threading.Lock()


def default_kernel() -> Kernel:
    """The process-wide kernel behind :func:`evaluate`: installed plugins, the rules in
    ``CSCORE_RULES_DIR`` (or the plugins' defaults), the log at
    :func:`cscore.store.default_db_path` (``CSCORE_DB``, else the user's data folder),
    ``CSCORE_ON_LOG_FAILURE`` (``warn`` or ``raise``) when it cannot be written."""
    global _default
    with _default_lock:
        if _default is None:
            from cscore.kernel import Kernel
            from cscore.store import default_db_path

            _default = Kernel(
                rules_dir=os.environ.get("CSCORE_RULES_DIR") or None,
                db=default_db_path(),
                on_log_failure=os.environ.get("CSCORE_ON_LOG_FAILURE") or "warn",
            )
        return _default


def evaluate(case: Any) -> Decision:
    """Decide one case with the default kernel (see DESIGN.md §2.3)."""
    return default_kernel().evaluate(case)


def __getattr__(name: str) -> Any:
    if name == "Kernel":  # imported lazily: `import cscore` stays cheap for plugins
        from cscore.kernel import Kernel

        return Kernel
    raise AttributeError(f"module 'cscore' has no attribute {name!r}")
