"""The durable_rules adapter: the only module that touches durable_rules.

It drives the C core (``durable_rules_engine``) synchronously on the caller's thread
and never starts durable's ``Host`` (whose background dispatcher crashes under threads
and leases actions away from their callers). Each guard below answers a measured
failure listed in DURABLE.md:

* one evaluation at a time per session, never deleted before an action has run in it
  (the C core frees uninitialised pointers otherwise) — a private ``__prime`` rule
  guarantees that on every path. A session is kept for the next evaluation once every
  fact of this one is retracted (allocating and zeroing a session's state, ~12 KB per
  rule, was most of an evaluation's cost at 1,000 rules); an evaluation that fails, or
  whose facts cannot all be retracted, deletes its session and the next gets a new one;
* one lock per ruleset: the C state is not thread-safe and never releases the GIL;
* every fact is checked before it reaches C (finite numbers, no None, < 255 fields);
* actions are drained to completion even when an action fails, then the failure is
  re-raised naming the rule;
* an action budget stops self-feeding rules with a clear error instead of a hang;
* C error codes are translated into names a person can search for;
* a replaced ruleset is deleted with ``delete_ruleset`` only after its lock is free;
* a definition of more rules than one C ruleset holds is spread over several
  (engine.parts) and driven as one: see :class:`SplitRuleset`.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import durable_rules_engine as _core  # the C module of durable_rules

from cscore.engine import Fact, OnAction, OnIdle, RulesetClosed
from cscore.engine.layerfact import LayerFact, encode
from cscore.engine.parts import Part, routes, split
from cscore.errors import EngineError

PRIME_RULE = "__prime"
PRIME_TYPE = "__prime"
# The C core refuses a fact with more than 253 properties (error 302, measured), and the
# adapter adds the session id to every fact.
MAX_FACT_FIELDS = 252
# The C core refuses a ruleset of more than 4,096 rules (error 106; measured with
# durable_rules 2.0.28: 4,096 rules load, 4,097 do not). The prime rule is one of them.
# A larger definition is split over several rulesets (SplitRuleset).
MAX_RULES = 4096

ERROR_NAMES = {
    1: "event not handled",
    2: "fact already observed (two identical facts in one session)",
    101: "out of memory",
    102: "unexpected type in the ruleset",
    103: "identifier too long",
    104: "unexpected value",
    105: "unknown key in the ruleset (rules cannot carry metadata)",
    106: "too many rules in one ruleset (the limit is 4096)",
    107: "too many existence tests",
    108: "too many joins",
    109: "rule without a qualifier",
    110: "setting not found",
    111: "invalid handle (the ruleset was deleted)",
    112: "too many handles",
    113: "expression too long",
    201: "value cannot be parsed",
    202: "string cannot be parsed (unknown operator, or a non-finite number)",
    203: "number cannot be parsed",
    204: "object cannot be parsed",
    205: "array cannot be parsed",
    302: "fact has too many properties",
    303: "too many conditions match one fact (more than 64 siblings)",
    304: "too many messages in one frame",
    305: "message not found",
    306: "location not found",
    307: "node deleted",
    308: "node is dispatching",
    309: "session not found",
    310: "no action available",
    311: "property not found",
    312: "operation not supported",
    501: "regular expression cannot be parsed",
    502: "regular expression has too many transitions",
    503: "regular expression has too many states",
    504: "regular expression queue full",
    505: "regular expression list full",
    506: "regular expression set full",
    507: "regular expression conflict",
    508: "regular expression cannot be compiled",
}

_CODE = re.compile(r"error code: (\d+)")
# An exponent after a digit: 1e+16, 1e-05. Rarely in a string, and then only costs the
# slower, exact encoding below.
_EXPONENT = re.compile(r"\d[eE][+-]?\d")


def _check(fact: Fact) -> None:
    """check_fact, once per field: a layer fact's shared fields were checked when an
    earlier layer of the same evaluation was asserted, so only the new ones are."""
    if type(fact) is not LayerFact:
        check_fact(fact)
        return
    names = fact.names  # its fields are at most these (and the tag)
    if (names is None or len(names) >= MAX_FACT_FIELDS) and len(fact) > MAX_FACT_FIELDS:
        raise EngineError(f"fact (root) has {len(fact)} fields; at most {MAX_FACT_FIELDS}")
    pending = fact.shared.take_unchecked()
    if pending:
        check_fact(pending)


def _encode(value: Any) -> str:
    """JSON for the C core. Rules and facts must be encoded alike: the core compares
    strings byte for byte, so an escaped 新疆 in a fact never equals a raw one in a rule;
    numbers are written so that the core's parser reads them (see layerfact.encode)."""
    return encode(value)


def describe(error: BaseException) -> str:
    """``'<what> (durable_rules error 202: string cannot be parsed…)'``."""
    text = str(error)
    match = _CODE.search(text)
    if not match:
        return text
    code = int(match.group(1))
    what = text[: match.start()].rstrip(", ")
    return f"{what} (durable_rules error {code}: {ERROR_NAMES.get(code, 'unknown error')})"


def check_fact(fact: Mapping[str, Any], path: str = "") -> None:
    """Refuse what the C core would crash on or misread, naming the field.

    Called for every fact of every evaluation, so it dispatches on exact types rather
    than ``isinstance`` against abstract classes."""
    if len(fact) > MAX_FACT_FIELDS:
        raise EngineError(
            f"fact {path or '(root)'} has {len(fact)} fields; at most {MAX_FACT_FIELDS}"
        )
    for key, value in fact.items():
        kind = type(value)
        if kind is str or kind is int or kind is bool:
            continue
        if kind is float:
            if value - value != 0:  # inf - inf and nan - nan are nan
                raise EngineError(f"fact field '{path}{key}' is {value}, not a finite number")
        elif value is None:
            raise EngineError(f"fact field '{path}{key}' is null; leave it out instead")
        elif isinstance(value, Mapping):
            check_fact(value, f"{path}{key}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    check_fact(item, f"{path}{key}.{index}.")
                elif type(item) is float and item - item != 0:
                    raise EngineError(f"fact field '{path}{key}.{index}' is not a finite number")
        elif not isinstance(value, str | int | float):
            raise EngineError(f"fact field '{path}{key}' is a {kind.__name__}, not JSON")


class _Closable:
    """Closing a rule set in the C core: once, under its lock (so no evaluation is in
    flight), every C ruleset it holds."""

    name: str
    _lock: threading.Lock
    _closed: bool

    def _c_handles(self) -> list[int]:
        raise NotImplementedError

    def _check_first(self, first_facts: list[Fact]) -> None:
        """Refuse, before any session is touched, what the C core cannot take: no fact
        at all (asserting nothing crashes it), or a field it would misread."""
        if not first_facts:
            raise EngineError(f"ruleset {self.name}: an evaluation needs at least one fact")
        for fact in first_facts:
            _check(fact)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            _delete_rulesets(self.name, self._c_handles())


class DurableRuleset(_Closable):
    """One compiled ruleset in the C core, evaluated one session at a time."""

    encoded_facts = True  # takes LayerFact objects and asserts their JSON text

    def __init__(self, name: str, handle: int, action_budget: int) -> None:
        self.name = name
        self._handle = handle
        self._budget = action_budget
        self._lock = threading.Lock()
        self._sessions = itertools.count(1)
        self._kept: _Session | None = None  # a clean session the next evaluation reuses
        self._fact_ids = itertools.count(1)  # each fact's identity (retracted by it)
        self._closed = False

    def run(
        self, first_facts: list[Fact], on_action: OnAction, on_idle: OnIdle | None = None
    ) -> int:
        self._check_first(first_facts)
        with self._lock:
            if self._closed:
                raise RulesetClosed(self.name)
            session, self._kept = self._kept, None
            if session is None:
                sid = str(next(self._sessions))
                session = _Session(self._handle, sid, self._budget, self.name, self._fact_ids)
            actions = session.run(first_facts, on_action, on_idle)
            if session.reusable:
                self._kept = session
            return actions

    def _c_handles(self) -> list[int]:
        return [self._handle]


def _delete_rulesets(name: str, handles: list[int]) -> None:
    """Delete every C ruleset of one rule set (one of them already gone: nothing left
    to free there), then say which failed."""
    failed = None
    for handle in handles:
        try:
            _core.delete_ruleset(handle)
        except _core.error as exc:
            failed = exc
    if failed is not None:
        raise EngineError(f"ruleset {name}: {describe(failed)}") from None


class _Session:
    """One session of the C core: evaluations one after another, each asserting its
    facts, draining every action and retracting its facts again, so the session is
    empty for the next one. A failed evaluation deletes the session."""

    def __init__(
        self, handle: int, sid: str, budget: int, ruleset: str, fact_ids: Iterator[int]
    ) -> None:
        self.handle = handle
        self.sid = sid
        self.budget = budget
        self.ruleset = ruleset
        self.fact_ids = fact_ids
        self.state: int | None = None
        self.actions = 0  # in the current evaluation
        self.primed = False  # an action has run in this session (it may be deleted)
        self.in_flight = False  # an action was started and not yet completed
        self.asserted: list[int] = []  # the ids of the current evaluation's facts
        self.reusable = False
        self._sid_json = f'"sid":{_encode(sid)}'

    def run(
        self, first_facts: list[Fact], on_action: OnAction, on_idle: OnIdle | None = None
    ) -> int:
        self.actions = actions = 0
        self.reusable = False
        budget, handle, complete = self.budget, self.handle, _core.complete_and_start_action
        try:
            message = self._assert(first_facts)
            while True:
                # An action is in flight throughout this loop (in_flight, set when one
                # starts): the count is written back once, not per action.
                while message is not None:
                    actions += 1
                    if actions > budget:
                        raise EngineError(
                            f"ruleset {self.ruleset}: more than {budget} rule actions in "
                            "one evaluation; a rule keeps re-triggering itself"
                        )
                    rule = message[2 : message.index('"', 2)]  # '{"r12":{"m":…}}' → r12
                    follow_up = None if rule == PRIME_RULE else on_action(rule)
                    if follow_up:
                        for fact in follow_up:
                            _check(fact)
                            self._assert_one(fact)
                    message = complete(handle, self.state)
                self.in_flight = False
                # No action left: the layer is complete (an evaluation that settles when
                # idle gives the next layer's facts; without on_idle, settle rules did).
                follow_up = on_idle() if on_idle is not None else None
                if not follow_up:
                    break
                for fact in follow_up:
                    _check(fact)
                    self._assert_one(fact)
                message = self._start()
        except BaseException:
            self.actions = actions
            self._delete()
            raise
        self.actions = actions
        self.reusable = self._clear()
        if not self.reusable:
            self._delete()
        return self.actions

    # step by step, for SplitRuleset: it interleaves the actions of several sessions ---

    def start(self) -> str | None:
        """The rule of the next action after facts were asserted, none being in flight."""
        assert self.state is not None
        started = _core.start_action_for_state(self.handle, self.state)
        self.in_flight = bool(started)
        return _rule_of(started[1]) if started else None

    def complete(self) -> str | None:
        """Complete the action in flight; the rule of the next one, if any."""
        self.actions += 1
        message = _core.complete_and_start_action(self.handle, self.state)
        self.in_flight = message is not None
        return None if message is None else _rule_of(message)

    def finish(self) -> None:
        """Retract the evaluation's facts; delete the session if it cannot serve again."""
        self.reusable = self._clear()
        if not self.reusable:
            self._delete()

    def _assert(self, facts: list[Fact]) -> str | None:
        for fact in facts:
            self._assert_one(fact)
        return self._start()

    def _start(self) -> str | None:
        """The message of the next action, none being in flight (None: nothing to do)."""
        started = _core.start_action_for_state(self.handle, self.state)
        self.in_flight = bool(started)
        return started[1] if started else None

    def _assert_one(self, fact: Fact) -> None:
        fact_id = next(self.fact_ids)
        ident = f'{self._sid_json},"id":{fact_id}'
        try:
            if type(fact) is LayerFact:  # its JSON is kept, grown layer by layer
                text = fact.json_with(ident)
            else:
                text = _encode({**fact, "sid": self.sid})[:-1] + ident[len(self._sid_json) :] + "}"
            result = _core.assert_fact(self.handle, text)
        except _core.error as exc:
            raise EngineError(f"ruleset {self.ruleset}: {describe(exc)}") from None
        self.asserted.append(fact_id)
        self.state = result[1]

    def _clear(self) -> bool:
        """Retract this evaluation's facts (and prime a session no action ran in yet):
        True if the session is empty and may serve the next evaluation."""
        try:
            if self.actions:
                self.primed = True
            elif not self.primed:
                self._prime()
            if self.asserted:
                # The core finds a stored fact by session and id alone (handleMessageCore
                # in events.c reads only `sid` and `id` to retract), so each is retracted
                # by those two fields, all in one call: the whole fact was parsed again
                # per retraction before.
                head = f'{{{self._sid_json},"id":'  # '{"sid":"3","id":' + id + '}'
                ids = (f"}},{head}").join(map(str, self.asserted))
                _core.retract_facts(self.handle, f"[{head}{ids}}}]")
                self.asserted.clear()
            # Nothing may be left to do: retracting must not have started anything.
            return self.state is None or not _core.start_action_for_state(self.handle, self.state)
        except _core.error:
            return False

    def _delete(self) -> None:
        """Complete whatever is pending (without running it), then delete the session.

        Completing when no action is in flight corrupts the session, so only an
        interrupted evaluation drains here."""
        self.reusable = False
        try:
            if self.in_flight and self.state is not None:
                while _core.complete_and_start_action(self.handle, self.state):
                    pass
                self.in_flight = False
            if not self.primed and self.actions == 0:
                self._prime()
            _core.delete_state(self.handle, self.sid)
        except _core.error:
            # The session cannot be freed safely; leaving it is a small leak, whereas
            # deleting a session in which no action ran crashes the process.
            pass

    def _prime(self) -> None:
        fact_id = next(self.fact_ids)
        text = _encode({"sid": self.sid, "t": PRIME_TYPE, "id": fact_id})
        result = _core.assert_fact(self.handle, text)
        self.asserted.append(fact_id)
        state = result[1]
        if _core.start_action_for_state(self.handle, state):
            while _core.complete_and_start_action(self.handle, state):
                pass
            self.primed = True


def _rule_of(message: str) -> str:
    return message[2 : message.index('"', 2)]  # '{"r12":{"m":{...}}}' → r12


def _priority(rule: Any) -> tuple[bool, int]:
    """The order in which the C core runs pending actions: lowest ``pri`` first, no
    ``pri`` being 0, and negative ones after every other (measured)."""
    pri = rule.get("pri", 0) if isinstance(rule, dict) else 0
    pri = pri if isinstance(pri, int) else 0
    return (pri < 0, pri)


class SplitRuleset(_Closable):
    """A definition too large for one C ruleset, as several driven as one evaluation.

    Each part's session gets the facts of the tags its rules test. The parts' pending
    actions run in the order one ruleset would run them: always the lowest priority of
    every part's next action (ties: the earlier part). So a layer's settle action, at a
    priority after every rule's, runs only once no part has a rule action left; the
    facts it returns are asserted into every part they concern before anything else
    starts. Sessions are kept per part and deleted per part as in one ruleset."""

    encoded_facts = True  # as DurableRuleset

    def __init__(self, name: str, handles: list[int], parts: list[Part], budget: int) -> None:
        self.name = name
        self._handles = handles
        self._budget = budget
        self._priority = {
            rule: _priority(spec) for part in parts for rule, spec in part.rules.items()
        }
        self._routes, self._elsewhere = routes(parts)
        self._lock = threading.Lock()
        self._sessions = itertools.count(1)
        self._fact_ids = itertools.count(1)
        self._kept: list[_Session | None] = [None] * len(handles)
        self._closed = False

    @property
    def parts(self) -> int:
        return len(self._handles)

    def run(
        self, first_facts: list[Fact], on_action: OnAction, on_idle: OnIdle | None = None
    ) -> int:
        self._check_first(first_facts)
        with self._lock:
            if self._closed:
                raise RulesetClosed(self.name)
            sessions = [
                kept or _Session(handle, str(next(self._sessions)), 0, self.name, self._fact_ids)
                for kept, handle in zip(self._kept, self._handles, strict=True)
            ]
            self._kept = [None] * len(sessions)
            try:
                actions = self._drive(sessions, first_facts, on_action, on_idle)
            except BaseException:
                for session in sessions:
                    session._delete()
                raise
            for index, session in enumerate(sessions):
                session.finish()
                if session.reusable:
                    self._kept[index] = session
            return actions

    def _drive(
        self,
        sessions: list[_Session],
        facts: list[Fact],
        on_action: OnAction,
        on_idle: OnIdle | None,
    ) -> int:
        for session in sessions:
            session.actions = 0
            session.reusable = False
        heads: list[str | None] = [None] * len(sessions)
        for index in self._assert(sessions, facts):
            heads[index] = sessions[index].start()
        priority = self._priority
        actions = 0
        while True:
            best, best_priority = -1, (True, 0)
            for index, head in enumerate(heads):
                if head is not None and (best < 0 or priority[head] < best_priority):
                    best, best_priority = index, priority[head]
            if best < 0:  # no part has an action left: the layer is complete
                follow_up = on_idle() if on_idle is not None else None
                if not follow_up:
                    return actions
                for fact in follow_up:
                    _check(fact)
                for index in self._assert(sessions, follow_up):
                    heads[index] = sessions[index].start()
                continue
            actions += 1
            if actions > self._budget:
                raise EngineError(
                    f"ruleset {self.name}: more than {self._budget} rule actions in one "
                    "evaluation; a rule keeps re-triggering itself"
                )
            rule = heads[best]
            assert rule is not None
            follow_up = None if rule == PRIME_RULE else on_action(rule)
            fed: set[int] = set()
            if follow_up:
                for fact in follow_up:
                    _check(fact)
                fed = self._assert(sessions, follow_up)
            heads[best] = sessions[best].complete()
            for index in fed:
                if heads[index] is None and index != best:
                    heads[index] = sessions[index].start()

    def _assert(self, sessions: list[_Session], facts: list[Fact]) -> set[int]:
        """Assert each fact into the parts that test its tag; the parts that got one."""
        fed: set[int] = set()
        for fact in facts:
            tag = fact.get("t")
            targets = self._routes.get(tag, self._elsewhere) if isinstance(tag, str) else None
            for index in targets if targets is not None else self._elsewhere:
                sessions[index]._assert_one(fact)
                fed.add(index)
        return fed

    def _c_handles(self) -> list[int]:
        return list(self._handles)


class DurableEngine:
    """Loads rulesets into the C core; the default engine (``create_engine`` hook).

    ``max_rules`` (default :data:`MAX_RULES`, read when the engine is created) is the
    most rules one C ruleset is given; a larger definition is split."""

    name = "durable_rules"
    # Its rulesets call on_idle once no action is left (cscore.engine.Engine): no settle
    # rule per layer, whose action round trip cost ~4 % of an evaluation.
    settles_when_idle = True

    def __init__(self, max_rules: int | None = None) -> None:
        self._loaded: list[DurableRuleset | SplitRuleset] = []
        self._names = itertools.count(1)
        self.max_rules = MAX_RULES if max_rules is None else max_rules

    def load(
        self, name: str, definition: dict[str, Any], *, action_budget: int
    ) -> DurableRuleset | SplitRuleset:
        # durable's own Ruleset class deletes keys from the dict it is given; this
        # adapter only serialises it, and adds its prime rule to a shallow copy (a deep
        # copy of 1,000 rules was an eighth of loading them).
        ruleset: DurableRuleset | SplitRuleset
        if len(definition) + 1 > self.max_rules:  # + the prime rule
            parts = split(definition, self.max_rules - 1)
            handles: list[int] = []
            try:
                for part in parts:
                    handles.append(self._create(name, part.rules))
            except EngineError:
                for handle in handles:  # never used: nothing can be in flight on them
                    _core.delete_ruleset(handle)
                raise
            ruleset = SplitRuleset(name, handles, parts, action_budget)
        else:
            ruleset = DurableRuleset(name, self._create(name, definition), action_budget)
        self._loaded = [loaded for loaded in self._loaded if not loaded.closed]
        self._loaded.append(ruleset)
        return ruleset

    def _create(self, name: str, definition: dict[str, Any]) -> int:
        rules = dict(definition)
        rules[PRIME_RULE] = {"all": [{"m": {"t": PRIME_TYPE}}]}
        # A ruleset name can be registered once per process: a reload of the same
        # file gets a fresh suffix rather than colliding.
        unique = f"{name}#{next(self._names)}"
        try:
            handle: int = _core.create_ruleset(unique, _encode(rules))
        except _core.error as exc:
            raise EngineError(f"ruleset {name} was refused: {describe(exc)}") from None
        return handle

    def close(self) -> None:
        for ruleset in self._loaded:
            try:
                ruleset.close()
            except EngineError:
                pass
        self._loaded.clear()
