"""Finds, reads, compiles and serves the rule sets of every industry; reloads them.

A rule set is the files of one industry and kind plus the files of the shared rule
packs (the common pack, and any other a plugin registers) for that kind. Reloading
re-reads only files that changed, recompiles only the rule sets they
belong to, and swaps each one in whole; a broken edit leaves the last good version
serving and is reported with file:line.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cscore.engine import Engine, EngineRuleset
from cscore.errors import RuleFileError, RuleLoadError
from cscore.industry import IndustrySpec
from cscore.language.functions import FunctionSpec
from cscore.rulebook.assemble import RulesetSources
from cscore.rulebook.cache import RuleCache, usable
from cscore.rulebook.compiled import CompiledRuleset
from cscore.rulebook.compiled_cache import CachedRuleset, CompiledCache
from cscore.rulebook.formats import CASES_SUFFIX, RuleFormat
from cscore.rulebook.model import RuleFile

ALL_KINDS = "all"


@dataclass(frozen=True)
class RuleRoot:
    """A folder of rule files, and how its paths are shown (``rules/ecommerce``)."""

    path: Path
    label: str
    key: str = ""  # the pack's or industry's key: where a replay puts its files back

    def display(self, file: Path) -> str:
        return f"{self.label}/{file.relative_to(self.path).as_posix()}"


@dataclass
class LiveRuleset:
    compiled: CompiledRuleset
    engine: EngineRuleset
    settles_when_idle: bool = False  # loaded without settle rules: run it with on_idle


@dataclass
class ReloadReport:
    reloaded: list[str] = field(default_factory=list)
    errors: list[RuleFileError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __str__(self) -> str:
        lines = [f"reloaded {key}" for key in self.reloaded]
        lines += [f"kept the previous rules: {error}" for error in self.errors]
        return "\n".join(lines) or "no rule file changed"


_Stamp = tuple[int, int]  # (mtime_ns, size): cheap to compare on every auto-reload check


class RuleLibrary:
    def __init__(
        self,
        industries: Mapping[str, IndustrySpec],
        packs: Iterable[RuleRoot],
        industry_roots: Mapping[str, RuleRoot],
        formats: Iterable[RuleFormat],
        functions: Mapping[str, FunctionSpec],
        engine: Engine | None,
        *,
        watched: Callable[[], Iterable[Path]] | None = None,
        citations: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.industries = industries
        self.citations = dict(citations or {})  # function -> rule a pack says it implements
        self.packs = list(packs)  # shared by every industry, in registration order
        # Other files whose edits should trigger a reload (the kernel's calendar files).
        self.watched = watched
        self.industry_roots = industry_roots
        self.formats = list(formats)
        self.functions = functions
        self.engine = engine
        self._files: dict[Path, tuple[_Stamp, RuleFile]] = {}
        # Each rule set served, or found in the compiled cache at start-up and read (and
        # loaded into the engine) when a case first asks for it.
        self._live: dict[tuple[str, str], LiveRuleset | CachedRuleset] = {}
        self._versions: dict[tuple[str, str], str] = {}
        self._reload_lock = threading.Lock()
        # The text of every file version read, by its sha256: the decision log keeps the
        # text a decision was made with (for replays), even after the file is edited.
        self.texts: dict[str, str] = {}
        self.cache = RuleCache()  # what formats read, by content (rulebook.cache)
        # compiled rule sets, by everything they are made of (rulebook.compiled_cache)
        self.compiled_cache = CompiledCache(
            usable(self.cache.folder.parent / "compiled") if self.cache.folder else None,
            self.formats,
        )

    # discovery and reading ------------------------------------------------------

    def rule_files(self, root: RuleRoot | None) -> list[Path]:
        if root is None or not root.path.is_dir():
            return []
        return sorted(
            file
            for file in root.path.iterdir()
            if file.is_file() and any(f.handles(file) for f in self.formats)
        )

    def signature(self) -> tuple[tuple[str, int, int], ...]:
        """What changes when any rule file is edited, added or removed."""
        entries = []
        for root in self.roots():
            for file in self.rule_files(root):
                stat = file.stat()
                entries.append((str(file), stat.st_mtime_ns, stat.st_size))
        for file in self.watched() if self.watched is not None else ():
            stat = file.stat()
            entries.append((str(file), stat.st_mtime_ns, stat.st_size))
        return tuple(entries)

    def roots(self) -> list[RuleRoot]:
        return [*self.packs, *self.industry_roots.values()]

    def read(self, root: RuleRoot, file: Path) -> RuleFile:
        stat = file.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._files.get(file)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        fmt = next(f for f in self.formats if f.handles(file))
        if fmt.cacheable:
            rule_file = self.cache.read(fmt.read, fmt.suffix, file, root.display(file))
        else:
            rule_file = fmt.read(file, root.display(file))
        self._remember_text(rule_file)
        self._files[file] = (stamp, rule_file)
        return rule_file

    def _remember_text(self, rule_file: RuleFile) -> None:
        """Keep the text whose bytes have the hash the format computed; a file edited
        between the two reads (or a format hashing otherwise) leaves none, and a replay
        of its decisions says so instead of using the wrong text."""
        try:
            raw = rule_file.file.read_bytes()
        except OSError:
            return
        if hashlib.sha256(raw).hexdigest() == rule_file.sha256:
            self.texts[rule_file.sha256] = raw.decode("utf-8", errors="replace")

    def root_of(self, rule_file: RuleFile) -> str | None:
        """The key of the pack (``common``) or industry whose folder holds the file."""
        folder = rule_file.file.parent
        return next((root.key for root in self.roots() if folder == root.path), None)

    def read_root(self, root: RuleRoot | None, errors: list[RuleFileError]) -> list[RuleFile]:
        files = []
        for file in self.rule_files(root):
            assert root is not None
            try:
                files.append(self.read(root, file))
            except RuleFileError as exc:
                errors.append(exc)
            except RuleLoadError as exc:  # a format reporting several problems of a file
                errors.extend(exc.errors)
        return files

    # compiling ------------------------------------------------------------------

    def compile_all(self) -> dict[tuple[str, str], CompiledRuleset]:
        """Compile every rule set; raise RuleLoadError listing every problem found."""
        errors: list[RuleFileError] = []
        compiled = self._compile(errors)
        if errors:
            raise RuleLoadError(errors)
        return {key: _assembled(ruleset) for key, ruleset in compiled.items()}

    def _compile(
        self, errors: list[RuleFileError], *, found: bool = False
    ) -> dict[tuple[str, str], CompiledRuleset | CachedRuleset]:
        """Compile what can be compiled. A rule set whose files could not all be read is
        left out: compiled without one of its files it would silently lose rules.
        ``found``: a rule set the compiled cache holds is left unread (a CachedRuleset;
        its files were read and checked all the same)."""
        before = len(errors)
        common_files = [f for pack in self.packs for f in self.read_root(pack, errors)]
        common_broken = len(errors) > before
        every_kind = {kind for industry in self.industries.values() for kind in industry.kinds}
        common_kinds = {
            f.path: self.kinds_of(f, every_kind, errors, common=True) for f in common_files
        }
        compiled: dict[tuple[str, str], CompiledRuleset | CachedRuleset] = {}
        for key, industry in self.industries.items():
            before = len(errors)
            own_files = self.read_root(self.industry_roots.get(key), errors)
            if common_broken or len(errors) > before:
                continue
            own_kinds = {f.path: self.kinds_of(f, industry.kinds, errors) for f in own_files}
            fact_types = industry.fact_types()
            for kind in industry.kinds:
                sources = RulesetSources(
                    key=f"{key}.{kind}",
                    industry=key,
                    kind=kind,
                    outcomes=industry.outcomes.get(kind, {}),
                    citations=self.citations,
                    folder=self._folder(key),
                    has_cases=self._has_cases(key, kind),
                    own=[f for f in own_files if kind in own_kinds[f.path]],
                    shared=[
                        f
                        for f in common_files
                        if kind in common_kinds[f.path] or ALL_KINDS in common_kinds[f.path]
                    ],
                )
                cached = (
                    self.compiled_cache.find(sources, fact_types, self.functions) if found else None
                )
                if cached is not None:
                    compiled[(key, kind)] = cached
                    continue
                try:
                    compiled[(key, kind)] = self.compiled_cache.assemble(
                        sources, fact_types, self.functions
                    )
                except RuleLoadError as exc:
                    errors.extend(e for e in exc.errors if e not in errors)
        return compiled

    def _folder(self, industry: str) -> str:
        root = self.industry_roots.get(industry)
        return root.label if root is not None else ""

    def _has_cases(self, industry: str, kind: str) -> bool:
        root = self.industry_roots.get(industry)
        return root is not None and (root.path / f"{kind}{CASES_SUFFIX}").is_file()

    def kinds_of(
        self,
        file: RuleFile,
        allowed: Iterable[str],
        errors: list[RuleFileError],
        common: bool = False,
    ) -> set[str]:
        allowed = set(allowed) | ({ALL_KINDS} if common else set())
        if file.kinds is not None:
            line = file.kinds_where.line if file.kinds_where else None
            for kind in file.kinds:
                # A pack serves whichever industries are installed: a kind none of
                # them has is simply unused by this kernel.
                if kind not in allowed and not common:
                    errors.append(
                        RuleFileError(
                            file.path,
                            line,
                            f"unknown kind '{kind}' (kinds: {', '.join(sorted(allowed))})",
                        )
                    )
            return set(file.kinds)
        stem = file.file.name.split(".")[0]
        if stem in allowed:
            return {stem}
        errors.append(
            RuleFileError(
                file.path,
                None,
                "cannot tell which kind this file decides: name it <kind>.yaml "
                f"({', '.join(sorted(allowed))}) or add 'kinds: [...]'",
            )
        )
        return set()

    # serving --------------------------------------------------------------------

    def load(self) -> None:
        """Compile and load every rule set (at start-up): any error is raised. One the
        compiled cache holds (assembled from the same files by an earlier kernel: no
        error to find) is read when a case first needs it."""
        errors: list[RuleFileError] = []
        compiled = self._compile(errors, found=True)
        if errors:
            raise RuleLoadError(errors)
        for ruleset_key, ruleset in compiled.items():
            if isinstance(ruleset, CachedRuleset):
                self._live[ruleset_key] = ruleset
                self._versions[ruleset_key] = ruleset.version
            else:
                self._swap(ruleset_key, ruleset)

    def get(self, industry: str, kind: str) -> LiveRuleset:
        live = self._live[(industry, kind)]
        if type(live) is LiveRuleset:
            return live
        return self._read_cached((industry, kind))

    def _read_cached(self, ruleset_key: tuple[str, str]) -> LiveRuleset:
        with self._reload_lock:  # read once, whichever thread asks first
            live = self._live[ruleset_key]
            if isinstance(live, CachedRuleset):
                self._swap(ruleset_key, live.read())
                live = self._live[ruleset_key]
            assert isinstance(live, LiveRuleset)
            return live

    def keys(self) -> list[tuple[str, str]]:
        """The (industry, kind) of every rule set served, without reading any."""
        return list(self._live)

    def compiled(self) -> dict[tuple[str, str], CompiledRuleset]:
        """Every rule set served (those not read yet are read now)."""
        return {key: self.get(*key).compiled for key in self.keys()}

    def files_in_use(self) -> list[RuleFile]:
        """The files of every rule set served, without reading those not read yet."""
        return [
            rule_file
            for live in list(self._live.values())
            for rule_file in (live.compiled.files if isinstance(live, LiveRuleset) else live.files)
        ]

    def _swap(self, ruleset_key: tuple[str, str], ruleset: CompiledRuleset) -> None:
        assert self.engine is not None
        # Each rule fires at most once (it matches one fact of its layer) and each layer
        # settles once; four times that, and a loop is certain.
        budget = 4 * (len(ruleset.rules) + ruleset.layer_count) + 16
        name = f"{ruleset.key}@{ruleset.version.removeprefix('sha256:')[:12]}"
        idle = bool(getattr(self.engine, "settles_when_idle", False))
        loaded = self.engine.load(name, ruleset.definition_for(idle), action_budget=budget)
        previous = self._live.get(ruleset_key)
        self._live[ruleset_key] = LiveRuleset(ruleset, loaded, idle)
        self._versions[ruleset_key] = ruleset.version
        if isinstance(previous, LiveRuleset):
            previous.engine.close()  # waits for evaluations in flight on it

    def reload(self) -> ReloadReport:
        """Re-read changed files; swap in each rule set that compiles, keep the rest."""
        with self._reload_lock:
            report = ReloadReport()
            errors: list[RuleFileError] = []
            # (a rule set the cache holds is read only if it changed: most did not)
            compiled = self._compile(errors, found=True)
            report.errors = errors
            for ruleset_key, ruleset in compiled.items():
                if self._versions.get(ruleset_key) == ruleset.version:
                    continue
                if isinstance(ruleset, CachedRuleset):
                    ruleset = ruleset.read()
                self._swap(ruleset_key, ruleset)
                report.reloaded.append(ruleset.key)
            return report

    def close(self) -> None:
        for live in self._live.values():
            if isinstance(live, LiveRuleset):
                live.engine.close()
        self._live.clear()


def _assembled(ruleset: CompiledRuleset | CachedRuleset) -> CompiledRuleset:
    """A rule set _compile assembled (it finds none in the cache unless asked to)."""
    assert isinstance(ruleset, CompiledRuleset)
    return ruleset
