"""The kernel: one case in, one decision out (DESIGN.md §1).

``route → validate → enrich → engine (per kind) → resolve → decision → store →
decision_made``. A Kernel owns its plugin manager, rule library, engine and store; it
is safe to call from several threads at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pluggy
from pydantic import ValidationError

import cscore
from cscore.boundary import MAX_SUGGESTIONS
from cscore.calendar import CHINA_TZ, HostCalendar, WorkCalendar
from cscore.engine import Engine, RulesetClosed
from cscore.errors import CaseError, PluginError, StoreError, did_you_mean, escape_controls
from cscore.industry import IndustrySpec
from cscore.jsonvalues import as_received, rejected_value, to_json, to_json_dict
from cscore.language.functions import EvalContext, FunctionSpec
from cscore.models.case import ANNOTATION_KEYS, Case
from cscore.models.decision import Decision, TraceEntry
from cscore.models.outcomes import INVALID_INPUT
from cscore.plugins import call_impl, collect, hookimpls, make_plugin_manager, plugin_report
from cscore.rulebook.assemble import rules_version
from cscore.rulebook.library import ReloadReport, RuleLibrary, RuleRoot
from cscore.rulebook.run import Evaluation
from cscore.store import DecisionStore

logger = logging.getLogger("cscore")


def default_common_rules() -> Path:
    """The common pack: bundled in the wheel, or the repository's rules/common."""
    package = Path(cscore.__file__).parent
    bundled = package / "default_rules" / "common"
    return bundled if bundled.is_dir() else package.parents[1] / "rules" / "common"


class Kernel:
    """Evaluates cases with the installed plugins and their rule files.

    :param rules_dir: a folder with ``common/`` and ``<industry>/`` sub-folders that
        replace the default rule files of the industries it has a folder for.
    :param db: the decision log (a path, or ``":memory:"``); ``None``: no log.
    :param plugins: plugin objects to register besides the installed ones.
    :param load_entrypoints: discover installed plugins (entry-point group ``cscore``).
    :param calendar: a host holiday calendar for every case (COMMON-CAL-003); a case's
        own ``holiday_calendar`` fact takes precedence.
    :param auto_reload: re-read edited rule files before an evaluation (at most once per
        ``reload_interval`` seconds); a broken edit keeps the last good rules serving.
    :param on_log_failure: when the decision cannot be logged (another writer holds the
        log longer than ``log_busy_timeout`` seconds, a full disk): ``"warn"`` (default)
        returns the decision with a warning saying it was not logged; ``"raise"`` raises
        :class:`StoreError` carrying the decision as ``.decision``.
    :param log_retention: delete logged decisions older than this (``"30d"`` or a
        timedelta); default ``$CSCORE_DB_RETENTION``, else keep everything.
    """

    def __init__(
        self,
        rules_dir: str | Path | None = None,
        db: str | Path | None = None,
        *,
        plugins: Iterable[Any] = (),
        load_entrypoints: bool = True,
        calendar: HostCalendar | None = None,
        auto_reload: bool = False,
        reload_interval: float = 1.0,
        on_log_failure: str = "warn",
        log_busy_timeout: float = 0.5,
        log_retention: str | dt.timedelta | None = None,
    ) -> None:
        if on_log_failure not in ("warn", "raise"):
            raise ValueError(f"on_log_failure must be 'warn' or 'raise', not {on_log_failure!r}")
        self.on_log_failure = on_log_failure
        self.pm: pluggy.PluginManager = make_plugin_manager(plugins, load_entrypoints)
        self.industries = self._collect_industries()
        self.functions = self._collect_functions()
        self.formats = [item for _plugin, item in collect(self.pm, "register_rule_formats")]
        engine: Engine | None = self.pm.hook.create_engine()
        if engine is None:
            raise PluginError("no plugin provides an engine (create_engine)")
        self.engine = engine
        self.calendar = calendar
        self.library = RuleLibrary(
            self.industries,
            *self._roots(rules_dir),
            self.formats,
            self.functions,
            self.engine,
        )
        self.library.load()
        self.plugin_versions = {
            entry["name"]: entry["version"] or cscore.__version__
            for entry in plugin_report(self.pm)
        }
        self.store: DecisionStore | None = None
        if db is not None:
            sets = [item for _plugin, item in collect(self.pm, "register_migrations")]
            retention = log_retention or os.environ.get("CSCORE_DB_RETENTION") or None
            self.store = DecisionStore(db, sets, busy_timeout=log_busy_timeout, retention=retention)
        self.auto_reload = auto_reload
        self.reload_interval = reload_interval
        self._last_check = time.monotonic()
        self._signature = self.library.signature()
        self.last_reload: ReloadReport | None = None
        self._reload_lock = threading.Lock()
        self._versions: dict[tuple[str, ...], str] = {}  # rule set versions -> combined
        # Looked up once: the per-case steps below call these for every evaluation.
        self._enrichers = hookimpls(self.pm, "enrich_case")
        self._observers = hookimpls(self.pm, "decision_made")
        # Only the default router answers route_case: read case.industry without a hook call.
        self._default_routing = len(hookimpls(self.pm, "route_case")) == 1

    # setting up -----------------------------------------------------------------

    def _collect_industries(self) -> dict[str, IndustrySpec]:
        return self._collect_unique("register_industries", "key", "industry")

    def _collect_functions(self) -> dict[str, FunctionSpec]:
        return self._collect_unique("register_functions", "name", "rule function")

    def _collect_unique(self, hook: str, key: str, what: str) -> dict[str, Any]:
        """Contributions by name; a name two plugins register is an error naming both."""
        found: dict[str, Any] = {}
        for plugin, spec in collect(self.pm, hook):
            name = getattr(spec, key)
            if name in found:
                raise PluginError(
                    f"{what} '{name}' is registered by both {found[name].plugin!r} and {plugin!r}"
                )
            object.__setattr__(spec, "plugin", plugin)  # frozen spec: record who made it
            found[name] = spec
        return found

    def _roots(self, rules_dir: str | Path | None) -> tuple[RuleRoot, dict[str, RuleRoot]]:
        common = RuleRoot(default_common_rules(), "rules/common")
        roots = {
            key: RuleRoot(spec.rules_dir, f"rules/{key}") for key, spec in self.industries.items()
        }
        if rules_dir is not None:
            base = Path(rules_dir)
            # The folder's own name, not its path: a trace must not show the server's
            # directories to whoever reads the decision.
            label = base.resolve().name or "rules"
            if (base / "common").is_dir():
                common = RuleRoot(base / "common", f"{label}/common")
            for key in self.industries:
                if (base / key).is_dir():
                    roots[key] = RuleRoot(base / key, f"{label}/{key}")
        return common, roots

    # evaluating -----------------------------------------------------------------

    def evaluate(self, case: Any) -> Decision:
        """Decide one case (a dict, JSON text or :class:`Case`); see DESIGN.md §2."""
        started = time.perf_counter()
        if self.auto_reload:
            self._maybe_reload()
        parsed = Case.parse(case)
        industry = self._route(parsed)
        kinds = self._kinds(parsed, industry)
        case_id = parsed.id or f"C-{uuid.uuid4().hex[:16]}"
        warnings: list[str] = []
        extra = [key for key in parsed.ignored_keys if key not in ANNOTATION_KEYS]
        if extra:
            warnings.append(f"case keys ignored: {escape_controls(', '.join(extra))}")
        warnings.extend(_unknown_facts(parsed.facts, industry.facts_model.model_fields))
        if self.last_reload is not None and not self.last_reload.ok:
            warnings.extend(
                f"rules not reloaded, previous version serving: {error}"
                for error in self.last_reload.errors
            )
        try:
            validated = industry.facts_model.model_validate(parsed.facts)
        except ValidationError as exc:
            decision = self._invalid(case_id, industry, kinds, exc, warnings)
        else:
            decision = self._decide(case_id, industry, kinds, validated, warnings)
        self._finish(parsed, case, decision, started)
        return decision

    def _route(self, case: Case) -> IndustrySpec:
        if self._default_routing:
            key = case.industry
        else:
            key = self.pm.hook.route_case(case=case, industries=self.industries)
        if key not in self.industries:
            known = ", ".join(sorted(self.industries)) or "none installed"
            raise CaseError(
                "industry",
                f"unknown industry '{key}'{did_you_mean(str(key), self.industries)} "
                f"(known: {known})",
            )
        return self.industries[key]

    def _kinds(self, case: Case, industry: IndustrySpec) -> tuple[str, ...]:
        if case.kinds is None:
            return industry.kinds
        for kind in case.kinds:
            if kind not in industry.kinds:
                raise CaseError(
                    "kind",
                    f"unknown kind '{kind}' for {industry.key}{did_you_mean(kind, industry.kinds)} "
                    f"(kinds: {', '.join(industry.kinds)})",
                )
        return case.kinds

    def _decide(
        self,
        case_id: str,
        industry: IndustrySpec,
        kinds: tuple[str, ...],
        validated: Any,
        warnings: list[str],
    ) -> Decision:
        facts: dict[str, Any] = validated.model_dump(exclude_none=True)
        if facts.get("as_of") is None:
            facts["as_of"] = dt.datetime.now(CHINA_TZ).replace(microsecond=0)
        calendar = WorkCalendar(getattr(validated, "holiday_calendar", None) or self.calendar)
        facts.update(self._enrich(industry.key, facts, calendar))
        outcomes: dict[str, dict[str, Any]] = {}
        results: list[tuple[str, Any, Any]] = []
        used: list[Any] = []
        ctx = EvalContext(calendar=calendar)
        for kind in kinds:
            evaluation = self._run(industry.key, kind, facts, ctx)
            result = evaluation.result()
            outcomes[kind] = to_json_dict(result.outcome)
            results.append((kind, evaluation.ruleset, result))
            used.append(evaluation.ruleset)
        warnings.extend(calendar.warnings)
        return Decision.build(
            case_id=case_id,
            industry=industry.key,
            outcomes=outcomes,
            trace=lambda: _trace(results),
            warnings=warnings,
            rules_version=self._rules_version(used),
        )

    def _rules_version(self, rulesets: list[Any]) -> str:
        """The hash of every file that took part; cached, it is the same for most cases."""
        key = tuple(ruleset.version for ruleset in rulesets)
        version = self._versions.get(key)
        if version is None:
            files = {f.path: f for ruleset in rulesets for f in ruleset.files}
            version = rules_version(list(files.values()))
            self._versions[key] = version
        return version

    def _run(
        self, industry: str, kind: str, facts: Mapping[str, Any], ctx: EvalContext
    ) -> Evaluation:
        for _attempt in range(3):
            live = self.library.get(industry, kind)
            evaluation = Evaluation(live.compiled, facts, ctx)
            if not live.compiled.rules:  # nothing to match: the outcome is the defaults
                return evaluation
            try:
                live.engine.run(evaluation.first_facts(), evaluation.on_action)
            except RulesetClosed:  # swapped by a reload meanwhile: use the new version
                continue
            return evaluation
        raise RuntimeError(f"rule set {industry}.{kind} kept being replaced during evaluation")

    def _enrich(
        self, industry: str, facts: Mapping[str, Any], calendar: WorkCalendar
    ) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        owners: dict[str, str] = {}
        for impl in self._enrichers:
            result = call_impl(impl, industry=industry, facts=facts, calendar=calendar)
            for key, value in (result or {}).items():
                if key in owners:
                    raise PluginError(
                        f"derived fact '{key}' is set by both {owners[key]!r} and "
                        f"{impl.plugin_name!r}"
                    )
                owners[key] = impl.plugin_name
                merged[key] = value
        return merged

    def _invalid(
        self,
        case_id: str,
        industry: IndustrySpec,
        kinds: tuple[str, ...],
        error: ValidationError,
        warnings: list[str],
    ) -> Decision:
        """COMMON-DATA-002: impossible facts give invalid_input for every kind asked."""
        fields: dict[str, str] = {}
        values: dict[str, Any] = {}
        for problem in error.errors(include_url=False):
            field = ".".join(str(part) for part in problem["loc"]) or "facts"
            fields.setdefault(field, problem["msg"])
            values.setdefault(field, problem.get("input"))
        invalid = sorted(fields)
        trace = [
            TraceEntry.build(
                rule="COMMON-DATA-002",
                name="事实不合法 impossible or mistyped fact",
                kind=kind,
                ruleset=f"{industry.key}.facts",
                source=f"{industry.key} facts",  # no internal class names in a decision
                set_values={"decision": INVALID_INPUT, "invalid_fields": [field]},
                matched={field: to_json(rejected_value(as_received(values[field])))},
                overridden=[],
                overrides={},
                message=f"{field}: {fields[field]}",
            )
            for kind in kinds
            for field in invalid
        ]
        return Decision.build(
            case_id=case_id,
            industry=industry.key,
            outcomes={
                kind: {"decision": INVALID_INPUT, "invalid_fields": invalid} for kind in kinds
            },
            trace=trace,
            warnings=warnings,
            rules_version=self._rules_version(
                [self.library.get(industry.key, kind).compiled for kind in kinds]
            ),
        )

    def _finish(self, parsed: Case, raw: Any, decision: Decision, started: float) -> None:
        if self.store is not None:
            self._log(parsed, decision, started)
        for impl in self._observers:
            try:
                call_impl(impl, case=parsed, decision=decision)
            except Exception:  # observers never cost the host its decision
                logger.exception("decision_made observer %r failed", impl.plugin_name)

    def _log(self, parsed: Case, decision: Decision, started: float) -> None:
        """Record the decision; facts the decision reported as ignored are not stored."""
        known = self.industries[decision.industry].facts_model.model_fields
        envelope = {
            "id": parsed.id,
            "industry": parsed.industry,
            "kinds": list(parsed.kinds) if parsed.kinds else None,
            "facts": as_received({k: v for k, v in parsed.facts.items() if k in known}),
        }
        assert self.store is not None
        try:
            self.store.record(
                envelope,
                decision,
                plugin_versions=self.plugin_versions,
                duration_ms=(time.perf_counter() - started) * 1000,
                as_of=None,
            )
        except StoreError as exc:
            if self.on_log_failure == "raise":
                exc.decision = decision  # the host still has the answer to give
                raise
            logger.warning("%s", exc)
            decision.warnings.append(str(exc))

    # rules ----------------------------------------------------------------------

    def reload(self) -> ReloadReport:
        """Re-read edited rule files now; see :meth:`RuleLibrary.reload`."""
        with self._reload_lock:
            report = self.library.reload()
            self._signature = self.library.signature()
            self.last_reload = report
            for error in report.errors:
                logger.warning("rules not reloaded, previous version serving: %s", error)
            return report

    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._last_check < self.reload_interval:
            return
        self._last_check = now
        if self.library.signature() != self._signature:
            self.reload()

    # lifecycle ------------------------------------------------------------------

    def close(self) -> None:
        self.library.close()
        self.engine.close()
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _unknown_facts(facts: Mapping[str, Any], known: Mapping[str, Any]) -> list[str]:
    """A warning per unknown fact; "did you mean" (a difflib search, ~1 ms each) only for
    the first few, so any number of unknown keys stays cheap."""
    unknown = [name for name in facts if name not in known]
    warnings = [
        f"unknown fact '{escape_controls(name)}' ignored{did_you_mean(name, known)}"
        for name in unknown[:MAX_SUGGESTIONS]
    ]
    if len(unknown) > MAX_SUGGESTIONS:
        rest = len(unknown) - MAX_SUGGESTIONS
        warnings.append(f"{rest} more unknown facts ignored")
    return warnings


def _trace(results: list[tuple[str, Any, Any]]) -> list[TraceEntry]:
    """The trace entries of every kind's fired rules (built when first read). A counting
    rule of the calendar (COMMON-CAL-004…) is cited once per kind, after the first rule
    whose values used it."""
    entries = []
    for kind, ruleset, result in results:
        cited: set[str] = set()
        for firing in result.firings:
            rule = firing.rule
            entries.append(
                TraceEntry.build(
                    rule=rule.id,
                    name=rule.name,
                    kind=kind,
                    ruleset=ruleset.key,
                    source=str(rule.where),
                    set_values=to_json_dict(firing.values),
                    matched=to_json_dict(result.matched(firing)),
                    overridden=firing.overridden,
                    overrides=rule.overrides,
                    message=rule.message,
                )
            )
            for rule_id, name, function in rule.cites:
                if rule_id in cited or rule_id == rule.id or not firing.values:
                    continue
                cited.add(rule_id)
                entries.append(
                    TraceEntry.build(
                        rule=rule_id,
                        name=name,
                        kind=kind,
                        ruleset=ruleset.key,
                        source=f"calendar: {function}() used by {rule.id}",
                        set_values={},
                        matched={},
                        overridden=[],
                        overrides={},
                        message=None,
                    )
                )
    return entries
