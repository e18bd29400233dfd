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
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

import cscore
from cscore.calendar import (
    CHINA_TZ,
    CalendarData,
    CalendarDir,
    HostCalendar,
    WorkCalendar,
    to_china_time,
)
from cscore.calendar.version import calendar_version
from cscore.derived import validate_derived
from cscore.engine import Engine, RulesetClosed
from cscore.errors import (
    CaseError,
    CscoreError,
    EngineError,
    PluginError,
    RuleEvaluationError,
    StoreError,
    did_you_mean,
    escape_controls,
)
from cscore.explain import KindResult, explain_decision
from cscore.gcpause import sparse_full_collections
from cscore.industry import IndustrySpec, RulePack
from cscore.jsonvalues import as_received, rejected_value, to_json, to_json_dict
from cscore.language.functions import EvalContext, FunctionSpec
from cscore.models.absent import host_facts
from cscore.models.case import ANNOTATION_KEYS, Case
from cscore.models.decision import Decision, TraceEntry
from cscore.models.outcomes import INVALID_INPUT, NEEDS_INFO
from cscore.models.unknown import unknown_fact_warnings
from cscore.plugins import (
    DEFAULT_PLUGINS,
    PluginManager,
    collect,
    each_implementation,
    make_plugin_manager,
    plugin_report,
    returned_by,
)
from cscore.pool import WorkerPool
from cscore.privacy import Masker, masker_for
from cscore.rulebook.assemble import rules_version
from cscore.rulebook.compiled import CompiledRuleset
from cscore.rulebook.consequence import Asked, ask_by_consequence, asked_trace, every_missing
from cscore.rulebook.formats import RuleFormat
from cscore.rulebook.library import ReloadReport, RuleLibrary, RuleRoot
from cscore.rulebook.model import RuleFile
from cscore.rulebook.run import Evaluation
from cscore.rulebook.snapshot import RuleSnapshot, take_snapshot
from cscore.store import DecisionStore
from cscore.store.logtext import LogColumns
from cscore.store.writer import Ticket
from cscore.trace import trace_entries, trace_pieces

logger = logging.getLogger("cscore")

# What one case of a batch can fail with and the others not (evaluate raises these for
# the case: its envelope, a rule's computation on its facts, a fact the engine refuses).
CASE_ERRORS = (CaseError, RuleEvaluationError, EngineError)

# A decision evaluated in a batch, waiting for its log commit and its observers (a pool
# worker's case is parsed here only when there are observers to show it to).
_Pending = tuple[Case | None, Decision, Ticket | None]


def system_clock() -> dt.datetime:
    """The evaluation instant of a case that gives no ``as_of``: now, in China time."""
    return dt.datetime.now(CHINA_TZ)


def default_calendar_dir() -> Path:
    """The operator's calendar files (COMMON-CAL-011): bundled, or the repository's."""
    package = Path(cscore.__file__).parent
    bundled = package / "default_rules" / "calendar"
    return bundled if bundled.is_dir() else package.parents[1] / "rules" / "calendar"


class Kernel:
    """Evaluates cases with the installed plugins and their rule files.

    :param rules_dir: a folder with ``<pack>/`` (``common/``) and ``<industry>/``
        sub-folders that replace the default rule files of the packs and industries it
        has a folder for, and a ``calendar/`` folder of year notices (``<YYYY>.yaml``,
        COMMON-CAL-011) that win over the default ``rules/calendar/`` for their year.
    :param db: the decision log (a path, or ``":memory:"``); ``None``: no log.
    :param plugins: plugin objects to register besides the installed ones.
    :param load_entrypoints: discover installed plugins (entry-point group ``cscore``).
    :param calendar: a host holiday calendar for every case (COMMON-CAL-003); a case's
        own ``holiday_calendar`` fact takes precedence.
    :param auto_reload: re-read edited rule files before an evaluation (at most once per
        ``reload_interval`` seconds); a broken edit keeps the last good rules serving.
    :param clock: what "now" is for a case without ``as_of`` (default
        :func:`system_clock`); a replay fixes it to the logged instant.
    :param on_log_failure: when the decision cannot be logged (another writer holds the
        log longer than ``log_busy_timeout`` seconds, a full disk): ``"warn"`` (default)
        returns the decision with a warning saying it was not logged; ``"raise"`` raises
        :class:`StoreError` carrying the decision as ``.decision``.
    :param log_retention: delete logged decisions older than this (``"30d"`` or a
        timedelta); default ``$CSCORE_DB_RETENTION``, else keep everything.
    :param log_wait: ``True`` (default): an evaluation returns once its decision is
        durable — journaled beside the log (:mod:`cscore.store.journal`; it survives a
        crash of the process and is loaded into SQLite by the log's loader process,
        :mod:`cscore.store.loader`, within a fraction of a second);
        :meth:`evaluate_logged` returns once it is in SQLite (it answers with the id).
        ``False``: nothing waits for SQLite — journaled all the same (as durable, and
        the cheapest hand-over), and :meth:`evaluate_logged` answers without the id
        (``None``); a log without a journal (``log_journal=False``, ``":memory:"``)
        returns once the decision is queued for its writer thread (a crash may lose
        the last queued ones).
    :param log_journal: ``False``: no journal; every evaluation waits until its
        decision is committed to SQLite (the behaviour before the journal; slower).
    :param workers: worker processes that share :meth:`evaluate_many` batches with this
        one (:mod:`cscore.pool`; the number of cores is a good choice); 0 or 1: every
        case is decided in this process. Workers never write the log: this process does.
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
        clock: Callable[[], dt.datetime] | None = None,
        on_log_failure: str = "warn",
        log_busy_timeout: float = 0.5,
        log_retention: str | dt.timedelta | None = None,
        log_wait: bool = True,
        workers: int = 0,
        log_journal: bool = True,
    ) -> None:
        if on_log_failure not in ("warn", "raise"):
            raise ValueError(f"on_log_failure must be 'warn' or 'raise', not {on_log_failure!r}")
        self.on_log_failure = on_log_failure
        self.pm: PluginManager = make_plugin_manager(plugins, load_entrypoints)
        self.industries = self._collect_industries()
        self.packs = self._collect_packs()
        self.functions = self._collect_functions()
        self.formats = self._collect_formats()
        engine: Engine | None = self.pm.hook.create_engine()
        if engine is None:
            raise PluginError("no plugin provides an engine (create_engine)")
        self.engine = engine
        self.calendar = calendar
        self.calendar_data = _calendar_data(rules_dir)
        self.calendar_data.load()
        self.clock = clock
        self.library = RuleLibrary(
            self.industries,
            *self._roots(rules_dir),
            self.formats,
            self.functions,
            self.engine,
            watched=self.calendar_data.files,
            citations={
                function: cited
                for pack in self.packs.values()
                for function, cited in pack.cites.items()
            },
        )
        self.library.load()
        self.plugin_versions = {
            entry["name"]: entry["version"] or cscore.__version__
            for entry in plugin_report(self.pm)
        }
        self.store: DecisionStore | None = None
        if db is not None:
            # The core set first (its default plugin answers last): a plugin's tables may
            # refer to the core's.
            found = collect(self.pm, "register_migrations")
            sets = [
                item for plugin, item in sorted(found, key=lambda c: c[0] not in DEFAULT_PLUGINS)
            ]
            retention = log_retention or os.environ.get("CSCORE_DB_RETENTION") or None
            self.store = DecisionStore(
                db,
                sets,
                wait=log_wait,
                busy_timeout=log_busy_timeout,
                retention=retention,
                journal=log_journal,
            )
        self.auto_reload = auto_reload
        self.reload_interval = reload_interval
        self._last_check = time.monotonic()
        self._signature = self.library.signature()
        self.last_reload: ReloadReport | None = None
        self._reload_lock = threading.Lock()
        self._versions: dict[tuple[str, ...], str] = {}  # rule set versions -> combined
        self._used_files: dict[str, tuple[RuleFile, ...]] = {}  # combined -> its files
        self._snapshots: dict[str, RuleSnapshot] = {}  # combined -> files loaded with it
        # Per-case hooks are called through self.pm on every evaluation, so a plugin
        # registered from now on takes part in the next one; declaration hooks were read.
        self.pm.declarations_read = True
        self._pool: WorkerPool | None = None
        if workers > 1:  # started last: the workers load what this kernel just checked
            try:
                self._pool = WorkerPool(
                    self, workers, rules_dir=rules_dir, load_entrypoints=load_entrypoints
                )
            except BaseException:
                self.close()  # the log and the engine opened above
                raise

    # setting up -----------------------------------------------------------------

    def _collect_industries(self) -> dict[str, IndustrySpec]:
        return self._collect_unique("register_industries", "key", "industry")

    def _collect_packs(self) -> dict[str, RulePack]:
        """Shared rule packs by key; a built-in pack gives way to a plugin's of that key."""
        return self._collect_unique("register_rule_packs", "key", "rule pack", replaceable=True)

    def _collect_formats(self) -> list[RuleFormat]:
        """Rule formats by suffix; a built-in format gives way to a plugin's of that suffix."""
        found = self._collect_unique("register_rule_formats", "suffix", "rule format", True)
        return list(found.values())

    def _collect_functions(self) -> dict[str, FunctionSpec]:
        return self._collect_unique("register_functions", "name", "rule function")

    def _collect_unique(
        self, hook: str, key: str, what: str, replaceable: bool = False
    ) -> dict[str, Any]:
        """Contributions by name; a name two plugins register is an error naming both.
        ``replaceable``: a default plugin's contribution gives way to another plugin's
        of the same name instead (two non-default ones still clash)."""
        found: dict[str, Any] = {}
        for plugin, spec in collect(self.pm, hook):
            name = getattr(spec, key)
            previous = found.get(name)
            object.__setattr__(spec, "plugin", plugin)  # frozen spec: record who made it
            if previous is not None:
                if replaceable and (plugin in DEFAULT_PLUGINS) != (
                    previous.plugin in DEFAULT_PLUGINS
                ):
                    if plugin not in DEFAULT_PLUGINS:
                        found[name] = spec
                    continue
                raise PluginError(
                    f"{what} '{name}' is registered by both {previous.plugin!r} and {plugin!r}"
                )
            found[name] = spec
        return found

    def _roots(self, rules_dir: str | Path | None) -> tuple[list[RuleRoot], dict[str, RuleRoot]]:
        packs = {key: RuleRoot(pack.path, pack.shown_as, key) for key, pack in self.packs.items()}
        roots = {
            key: RuleRoot(spec.rules_dir, f"rules/{key}", key)
            for key, spec in self.industries.items()
        }
        if rules_dir is not None:
            base = Path(rules_dir)
            # The folder's own name, not its path: a trace must not show the server's
            # directories to whoever reads the decision.
            label = base.resolve().name or "rules"
            for key in packs:
                if (base / key).is_dir():
                    packs[key] = RuleRoot(base / key, f"{label}/{key}", key)
            for key in self.industries:
                if (base / key).is_dir():
                    roots[key] = RuleRoot(base / key, f"{label}/{key}", key)
        return list(packs.values()), roots

    # evaluating -----------------------------------------------------------------

    def evaluate(self, case: Any) -> Decision:
        """Decide one case (a dict, JSON text or :class:`Case`); see DESIGN.md §2."""
        if self.auto_reload:
            self._maybe_reload()
        return self._evaluate(case, None, need_id=False)[0]  # journaled: no wait for SQLite

    def evaluate_logged(self, case: Any) -> tuple[Decision, int | None]:
        """:meth:`evaluate`, and the id of the decision in the log (``None``: no log),
        for a host that shows or replays it later (the HTTP API answers with it)."""
        if self.auto_reload:
            self._maybe_reload()
        return self._evaluate(case, None)

    def evaluate_many(
        self, cases: Iterable[Any], *, full: bool = False
    ) -> list[Decision | CscoreError]:
        """Decide many cases; the answers in their order, each the same as
        :meth:`evaluate` gives. A case that :meth:`evaluate` would refuse (a malformed
        envelope, an unknown industry or kind, a rule failing on its facts) holds its
        error — a :class:`CaseError`, :class:`RuleEvaluationError` or
        :class:`EngineError`, one line naming the field — in its place, and the others
        are decided all the same.

        What a batch saves: one check for edited rule files, and the decision log's
        writes share transactions (the call returns once every decision is journaled —
        durable; the loader process loads them into SQLite —, committed with
        ``log_journal=False``, only queued with ``log_journal=False, log_wait=False``). A
        log that cannot be written raises :class:`StoreError` once all were tried.

        With ``workers=N`` a batch of at least :data:`cscore.pool.MIN_BATCH` cases is
        shared with N worker processes; the answers, the log and the observers are the
        same (this process writes the log and runs the observers, in case order). A
        worker that dies gives an :class:`EngineError` for each case it held.
        ``full``: every decision will be read whole (its JSON printed): the workers build
        the trace and explanation too, instead of this process deciding the case again
        when they are read; without workers it changes nothing."""
        if self.auto_reload:
            self._maybe_reload()
        with sparse_full_collections():  # the answers are kept until the end: cscore.gcpause
            return self._evaluate_batch(cases, full)

    def _evaluate_batch(self, cases: Iterable[Any], full: bool) -> list[Decision | CscoreError]:
        answers: list[Decision | CscoreError] = []
        pending: list[_Pending] = []
        shared = False
        if self._pool is not None:  # worker processes take a share (cscore.pool)
            cases = batch = list(cases)
            shared = self._pool.decide(batch, answers, pending, full)
        if not shared:
            for case in cases:
                self._evaluate_into(case, answers, pending)
        failed: StoreError | None = None
        observers = list(each_implementation(self.pm, "decision_made"))
        committing = self.store is not None and self.store.commit_wait
        if not (observers or committing):
            return answers  # nothing to wait for, nobody to tell
        for parsed, decision, ticket in pending:
            if ticket is not None and committing:
                try:
                    self._committed(ticket, decision)
                except StoreError as exc:  # on_log_failure="raise": after all were tried
                    failed = failed or exc
                    continue
            self._observe(parsed, decision, observers)
        if failed is not None:
            raise failed
        return answers

    def _evaluate_into(
        self, case: Any, answers: list[Decision | CscoreError], pending: list[_Pending]
    ) -> None:
        """One case of a batch: its decision, or the error that is its answer."""
        try:
            answers.append(self._evaluate(case, pending)[0])
        except CASE_ERRORS as exc:
            answers.append(exc)

    def _evaluate(
        self, case: Any, pending: list[_Pending] | None, need_id: bool = True
    ) -> tuple[Decision, int | None]:
        """One case; ``pending``: a batch's list that its log commit and observers join;
        ``need_id``: wait for SQLite's id even when the decision is durable before."""
        parsed, decision, started, as_of, masker = self._decision(case)
        decision_id = self._finish(parsed, case, decision, started, as_of, masker, pending, need_id)
        return decision, decision_id

    def _decision(
        self, case: Any, now: dt.datetime | None = None
    ) -> tuple[Case, Decision, float, dt.datetime, Masker | None]:
        """One case decided, not yet logged nor observed: the parsed case, the decision,
        when it started, its instant and the case's masker. ``now``: the instant for a
        case without ``as_of`` instead of the clock's (a pool worker's decision decided
        again, :mod:`cscore.pool`)."""
        started = time.perf_counter()
        parsed = Case.parse(case)
        industry = self._route(parsed)
        kinds = self._kinds(parsed, industry)
        case_id = parsed.id or f"C-{uuid.uuid4().hex[:16]}"
        warnings: list[str] = []
        extra = [key for key in parsed.ignored_keys if key not in ANNOTATION_KEYS]
        if extra:
            warnings.append(f"case keys ignored: {escape_controls(', '.join(extra))}")
        warnings.extend(unknown_fact_warnings(industry.facts_model, parsed.facts))
        if self.last_reload is not None and not self.last_reload.ok:
            warnings.extend(
                f"rules not reloaded, previous version serving: {error}"
                for error in self.last_reload.errors
            )
        try:
            validated = industry.facts_model.model_validate(parsed.facts)
        except ValidationError as exc:
            as_of = now or self._now()  # logged all the same: every decision can be replayed
            decision = self._invalid(case_id, industry, kinds, exc, warnings)
        else:
            as_of = getattr(validated, "as_of", None) or now or self._now()
            decision = self._decide(case_id, industry, kinds, validated, warnings, as_of)
        # Personal data (cscore.privacy): masked in the answer and in the logged case.
        masker = masker_for(industry.facts_model, parsed.facts)
        if masker is not None:
            decision = _masked(decision, masker)
        return parsed, decision, started, as_of, masker

    def _now(self) -> dt.datetime:
        now = self.clock() if self.clock is not None else system_clock()
        return to_china_time(now).replace(microsecond=0)

    def _route(self, case: Case) -> IndustrySpec:
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
        as_of: dt.datetime,
    ) -> Decision:
        facts: dict[str, Any] = validated.model_dump(exclude_none=True)
        facts["as_of"] = as_of  # the case's, or now: logged, so a replay uses it too
        host_calendar = getattr(validated, "holiday_calendar", None) or self.calendar
        calendar = WorkCalendar(host_calendar, self.calendar_data)
        facts.update(self._enrich(industry.key, facts, calendar))
        outcomes: dict[str, dict[str, Any]] = {}
        results: list[tuple[str, Any, Any]] = []
        used: list[Any] = []
        asked: list[tuple[str, Any, Asked]] = []
        ctx = EvalContext(calendar=calendar)
        for kind in kinds:
            evaluation = self._run(industry.key, kind, facts, ctx)
            result = evaluation.result()
            outcomes[kind] = to_json_dict(result.outcome, evaluation.ruleset.money)
            if outcomes[kind].get("decision") == NEEDS_INFO:  # §12.1: every missing fact
                outcomes[kind]["missing_fields"] = self._every_missing(
                    industry,
                    kind,
                    evaluation,
                    facts,
                    outcomes[kind]["missing_fields"],
                    host_calendar,
                )
            elif industry.ask_by_consequence:  # DESIGN §2.4: ask what would change it
                found = self._ask(industry, kind, evaluation, facts, outcomes[kind], host_calendar)
                if found is not None:
                    outcomes[kind] = found.outcome()
                    asked.append((kind, evaluation.ruleset, found))
            results.append((kind, evaluation.ruleset, result))
            used.append(evaluation.ruleset)
        warnings.extend(calendar.warnings)

        def rerun(kind: str, given: Mapping[str, Any]) -> dict[str, Any]:
            """The kind's outcome with these facts added (cscore.explain, needs_info)."""
            changed = _with_facts(facts, given)
            changed.update(self._enrich(industry.key, changed, calendar))
            evaluation = self._run(industry.key, kind, changed, ctx)
            return to_json_dict(evaluation.result().outcome, evaluation.ruleset.money)

        def asked_entries() -> list[TraceEntry]:
            return asked_trace(asked, self._missing_facts_rule) if asked else []

        return Decision.build(
            case_id=case_id,
            industry=industry.key,
            outcomes=outcomes,
            trace=lambda: trace_entries(results) + asked_entries(),
            warnings=warnings,
            rules_version=self._rules_version(used),
            # the same trace for the decision log, without building the entry objects
            log_trace=lambda: trace_pieces(results, asked_entries()),
            explanation=lambda: explain_decision(
                [KindResult(k, rs, res, outcomes[k]) for k, rs, res in results],
                self.functions,
                ctx,
                rerun,
            ),
        )

    def _ask(
        self,
        industry: IndustrySpec,
        kind: str,
        evaluation: Evaluation,
        facts: Mapping[str, Any],
        outcome: dict[str, Any],
        host_calendar: HostCalendar | None,
    ) -> Asked | None:
        """Facts missing by consequence (cscore.rulebook.consequence)."""
        return ask_by_consequence(
            evaluation.ruleset,
            facts,
            evaluation.values,
            outcome,
            host_facts(industry.facts_model),
            self._prober(industry, kind, evaluation.ruleset, host_calendar),
            self.functions,
            evaluation.ctx,
        )

    def _every_missing(
        self,
        industry: IndustrySpec,
        kind: str,
        evaluation: Evaluation,
        facts: Mapping[str, Any],
        missing: list[str],
        host_calendar: HostCalendar | None,
    ) -> list[str]:
        """The missing facts and those still missing once they are known (§12.1)."""
        return every_missing(
            evaluation.ruleset,
            facts,
            evaluation.values,
            missing,
            host_facts(industry.facts_model),
            self._prober(industry, kind, evaluation.ruleset, host_calendar),
            self.functions,
            evaluation.ctx,
        )

    def _prober(
        self,
        industry: IndustrySpec,
        kind: str,
        ruleset: CompiledRuleset,
        host_calendar: HostCalendar | None,
    ) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        """The kind evaluated again for other facts, as its JSON outcome. Probes run with
        a calendar of their own: their dates must not add warnings to the decision (made
        when the first probe runs: most cases run none)."""
        probe_ctx: list[EvalContext] = []

        def rerun(probe: Mapping[str, Any]) -> dict[str, Any]:
            if not probe_ctx:
                probe_ctx.append(
                    EvalContext(calendar=WorkCalendar(host_calendar, self.calendar_data))
                )
            again = self._run(industry.key, kind, probe, probe_ctx[0]).result()
            return to_json_dict(again.outcome, ruleset.money)

        return rerun

    def _rules_version(self, rulesets: list[Any]) -> str:
        """The hash of every file that took part; cached, it is the same for most cases."""
        key = tuple(ruleset.version for ruleset in rulesets)
        version = self._versions.get(key)
        if version is None:
            files = {f.path: f for ruleset in rulesets for f in ruleset.files}
            version = rules_version(list(files.values()))
            self._used_files[version] = tuple(files.values())
            self._versions[key] = version
        return version

    def _snapshot(self, version: str) -> RuleSnapshot:
        """The rule files loaded when a decision of this version was made (cached until
        the next reload)."""
        snapshot = self._snapshots.get(version)
        if snapshot is None:
            snapshot = take_snapshot(self.library, self._used_files.get(version, ()))
            self._snapshots[version] = snapshot
        return snapshot

    def _run(
        self, industry: str, kind: str, facts: Mapping[str, Any], ctx: EvalContext
    ) -> Evaluation:
        for _attempt in range(3):
            live = self.library.get(industry, kind)
            evaluation = Evaluation(live.compiled, facts, ctx)
            if not live.compiled.rules:  # nothing to match: the outcome is the defaults
                return evaluation
            try:
                evaluation.run_in(live.engine, live.settles_when_idle)
            except RulesetClosed:  # swapped by a reload meanwhile: use the new version
                continue
            return evaluation
        raise RuntimeError(f"rule set {industry}.{kind} kept being replaced during evaluation")

    def _enrich(
        self, industry: str, facts: Mapping[str, Any], calendar: WorkCalendar
    ) -> dict[str, Any]:
        arguments = {"industry": industry, "facts": facts, "calendar": calendar}
        merged: dict[str, Any] = {}
        for result in self.pm.hook.enrich_case(**arguments):  # wrappers may have changed it
            if not isinstance(result, Mapping):
                names = returned_by(
                    self.pm, "enrich_case", arguments, lambda r: not isinstance(r, Mapping | None)
                )
                raise PluginError(
                    f"enrich_case of {_named(names, ' or ')} returned a "
                    f"{type(result).__name__}, not a mapping of derived facts"
                )
            for key, value in result.items():
                if key in merged:
                    names = returned_by(self.pm, "enrich_case", arguments, _sets(key))
                    raise PluginError(f"derived fact '{key}' is set by both {_named(names)}")
                merged[key] = value
        # Rules see what the industry's derived_facts model makes of them, as host facts.
        # Which plugin returned a key is worked out only when there is a problem to name.
        return validate_derived(
            self.industries[industry],
            merged,
            lambda key: _named(returned_by(self.pm, "enrich_case", arguments, _sets(key)), " or "),
        )

    def _invalid(
        self,
        case_id: str,
        industry: IndustrySpec,
        kinds: tuple[str, ...],
        error: ValidationError,
        warnings: list[str],
    ) -> Decision:
        """Impossible facts give invalid_input for every kind asked, citing the rule a
        pack names for it (``RulePack.invalid_facts_rule``)."""
        rule_id, rule_name = next(
            (p.invalid_facts_rule for p in self.packs.values() if p.invalid_facts_rule),
            ("invalid_facts", "事实不合法 impossible or mistyped fact"),
        )
        fields: dict[str, str] = {}
        values: dict[str, Any] = {}
        for problem in error.errors(include_url=False):
            field = ".".join(str(part) for part in problem["loc"]) or "facts"
            fields.setdefault(field, problem["msg"])
            values.setdefault(field, problem.get("input"))
        invalid = sorted(fields)
        trace = [
            TraceEntry.build(
                rule=rule_id,
                name=rule_name,
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

    def _finish(
        self,
        parsed: Case,
        raw: Any,
        decision: Decision,
        started: float,
        as_of: dt.datetime,
        masker: Masker | None = None,
        pending: list[_Pending] | None = None,
        need_id: bool = True,
    ) -> int | None:
        """Log the decision (or queue it in a batch's ``pending``) and let observers see
        it; its id in the log, ``None`` when there is no log, it failed (``warn``), the
        store does not wait for the commit, or the id is not needed (``need_id``) and
        the decision is durable without it (journaled)."""
        ticket: Ticket | None = None
        if self.store is not None:
            ticket = self._submit(
                parsed, decision, started, as_of, masker, need_id and pending is None
            )
        if pending is not None:  # a batch: committed and observed once all are queued
            pending.append((parsed, decision, ticket))
            return None
        decision_id = None
        store = self.store
        if ticket is not None and store is not None and store.wait:
            if need_id or store.commit_wait:
                decision_id = self._committed(ticket, decision)  # then it survives a crash
        self._observe(parsed, decision)
        return decision_id

    def _submit(
        self,
        parsed: Case,
        decision: Decision,
        started: float,
        as_of: dt.datetime,
        masker: Masker | None,
        need_id: bool = False,
    ) -> Ticket | None:
        """Queue the decision for the log (``need_id``: its id will be waited for)."""
        envelope = self._envelope(parsed, decision, masker)
        duration_ms = (time.perf_counter() - started) * 1000
        return self._submit_row(envelope, decision, duration_ms, as_of.isoformat(), need_id=need_id)

    def _envelope(self, parsed: Case, decision: Decision, masker: Masker | None) -> dict[str, Any]:
        """The case as logged: facts it reported as ignored are not stored, personal ones
        are masked."""
        known = self.industries[decision.industry].facts_model.model_fields
        facts = {k: v for k, v in parsed.facts.items() if k in known}
        return {
            "id": parsed.id,
            "industry": parsed.industry,
            "kinds": list(parsed.kinds) if parsed.kinds else None,
            # as received (the store writes dates as ISO text: cscore.store.store.case_json)
            "facts": masker.facts(as_received(facts)) if masker is not None else facts,
        }

    def _submit_row(
        self,
        envelope: dict[str, Any],
        decision: Decision,
        duration_ms: float,
        as_of: str,
        columns: LogColumns | None = None,
        need_id: bool = False,
    ) -> Ticket | None:
        """Queue a decision for the log; ``columns``: its log columns, when a pool
        worker serialised it already; ``need_id``: the caller waits for its id (a
        journaled store then commits it directly instead of journaling it)."""
        assert self.store is not None
        try:
            return self.store.submit(
                envelope,
                decision,
                plugin_versions=self.plugin_versions,
                duration_ms=duration_ms,
                as_of=as_of,
                calendar_version=self.calendar_version,
                rule_files=self._snapshot(decision.rules_version),
                columns=columns,
                need_id=need_id,
            )
        except StoreError as exc:
            self._log_failed(exc, decision)
            return None

    def _committed(self, ticket: Ticket, decision: Decision) -> int | None:
        """Wait for the decision's commit; a log that cannot be written warns or raises,
        as configured (``on_log_failure``)."""
        try:
            return ticket.wait()
        except StoreError as exc:
            self._log_failed(exc, decision)
            return None

    def _log_failed(self, exc: StoreError, decision: Decision) -> None:
        if self.on_log_failure == "raise":
            exc.decision = decision  # the host still has the answer to give
            raise exc
        logger.warning("%s", exc)
        decision.warnings.append(str(exc))

    @property
    def _missing_facts_rule(self) -> tuple[str, str]:
        """The rule a pack names for a fact missing by consequence (else a neutral one)."""
        return next(
            (p.missing_facts_rule for p in self.packs.values() if p.missing_facts_rule),
            ("missing_facts", "缺少会改变结果的事实 a missing fact that decides the outcome"),
        )

    def _observe(
        self,
        parsed: Case | None,
        decision: Decision,
        observers: list[tuple[str, Callable[..., Any]]] | None = None,
    ) -> None:
        """Show the decision to the ``decision_made`` observers (``observers``: those
        of a batch, looked up once for all its decisions)."""
        if observers is None:
            observers = list(each_implementation(self.pm, "decision_made"))
        # One pluggy call per observer: one failing must not keep the others from it.
        for plugin, observe in observers:
            try:
                observe(case=parsed, decision=decision)
            except Exception:  # observers never cost the host its decision
                logger.exception("decision_made observer %r failed", plugin)

    @property
    def calendar_version(self) -> str:
        """The calendar data decisions are made with now (logged with each decision)."""
        return calendar_version(self.calendar, self.calendar_data.version)

    # rules ----------------------------------------------------------------------

    def reload(self) -> ReloadReport:
        """Re-read edited rule and calendar files now; see :meth:`RuleLibrary.reload`."""
        with self._reload_lock:
            report = self.library.reload()
            changed, errors = self.calendar_data.reload()
            report.reloaded.extend(changed)
            report.errors.extend(errors)
            self._snapshots = {}  # other files may have changed: snapshots are taken anew
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
        if self._pool is not None:
            self._pool.close()
        self.library.close()
        self.engine.close()
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _calendar_data(rules_dir: str | Path | None) -> CalendarData:
    """Calendar files of the default folder, then of ``<rules_dir>/calendar`` (wins a year)."""
    dirs = [CalendarDir(default_calendar_dir(), "rules/calendar")]
    if rules_dir is not None:
        own = Path(rules_dir) / "calendar"
        if own.resolve() != dirs[0].path.resolve():
            label = Path(rules_dir).resolve().name or "rules"  # no server paths shown
            dirs.append(CalendarDir(own, f"{label}/calendar"))
    return CalendarData(dirs)


def _sets(key: str) -> Callable[[Any], bool]:
    return lambda answer: isinstance(answer, Mapping) and key in answer


def _named(plugins: list[str], joiner: str = " and ") -> str:
    return joiner.join(map(repr, plugins)) or "plugins that answer differently when asked again"


def _masked(decision: Decision, masker: Masker) -> Decision:
    """The decision with the case's personal values masked in its trace (built lazily,
    as before) and warnings; outcomes never hold them (rules cannot read them)."""

    def trace() -> list[TraceEntry]:
        return [
            entry.model_copy(
                update={
                    "set_values": masker.value(entry.set_values),
                    "matched": masker.value(entry.matched),
                    "message": masker.text(entry.message) if entry.message else entry.message,
                }
            )
            for entry in decision.trace
        ]

    def explanation() -> dict[str, Any]:
        return masker.value(decision.explanation)  # type: ignore[no-any-return]

    return Decision.build(
        case_id=decision.case_id,
        industry=decision.industry,
        outcomes=decision.outcomes,
        trace=trace,
        warnings=[masker.text(text) for text in decision.warnings],
        rules_version=decision.rules_version,
        explanation=explanation,
    )


def _with_facts(facts: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the facts with ``given`` set (a dotted name sets a nested fact)."""
    changed = dict(facts)
    for name, value in given.items():
        *parents, last = name.split(".")
        target = changed
        for part in parents:
            inner = target.get(part)
            target[part] = dict(inner) if isinstance(inner, Mapping) else {}
            target = target[part]
        target[last] = value
    return changed
