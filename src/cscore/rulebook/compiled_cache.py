"""Compiled rule sets cached on disk, so a kernel that starts again does not check and
compile its rules again.

Checking and compiling (rulebook.assemble) was four fifths of a start that found every
rule file in the rule cache (rulebook.cache): 0.2 of 0.26 s at 1,000 rules. What it
makes of a rule set depends only on what it is given, so the result is kept under a
name made of all of it:

* the rule files taking part (their shown paths and content hashes, in order), the
  rule set's key, industry and kind, its rule folder and whether it has rule cases;
* the industry's fact types and outcome vocabulary, the packs' citations;
* every function rules may call: its declaration and its implementation (module,
  name, bytecode, constants, defaults and closure values: a constant function is
  folded into conditions when they compile);
* the cscore version, and the size and modification time of every module of cscore,
  of the functions and of the rule formats (an edited plugin is another name).

Only rule sets whose every file was read by a format that reads nothing but that file
(``RuleFormat.cacheable``) are cached: for them the content hash says all.

Anything it cannot name exactly (a function closing over an object without a stable
description) leaves that rule set uncached: it is compiled as without the cache. The
value compilers of the rules (closures, not picklable) are rebuilt from their parsed
expressions when an entry is read; the rule files are the ones just read, not copies.
An entry that cannot be read, or reads as something else, is ignored and written
anew. Entries live in ``compiled/`` beside the rule cache's ``rules/``, a folder
checked the same way (owner-only; ``CSCORE_CACHE_DIR=off`` turns both off).
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import io
import os
import pickle
import sys
import tempfile
import types
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import cscore
from cscore.language.functions import FunctionSpec
from cscore.language.interpreter import compile_value
from cscore.language.types import Type
from cscore.rulebook.assemble import RulesetSources, assemble, rules_version
from cscore.rulebook.compiled import CompiledRuleset, CompiledSet
from cscore.rulebook.formats import RuleFormat
from cscore.rulebook.model import RuleFile, Where
from cscore.rulebook.pickling import QuickPickler

FORMAT = "compiled-1"  # bump when what an entry holds changes shape


class _Opaque(Exception):
    """Something the cache key cannot describe exactly: do not cache."""


def _canon(value: Any, depth: int = 0) -> Any:
    """A description of ``value`` that is equal exactly when the values are, and the
    same in every process (sets sorted, functions by their code)."""
    if depth > 40:
        raise _Opaque("too deep")
    kind = type(value)
    if value is None or kind in (bool, int, float, str, bytes):
        return (kind.__name__, value)
    if kind in (list, tuple):
        return ("seq", [_canon(item, depth + 1) for item in value])
    if kind in (set, frozenset):
        return ("set", sorted(repr(_canon(item, depth + 1)) for item in value))
    if isinstance(value, Mapping):
        items = [(repr(_canon(k, depth + 1)), _canon(v, depth + 1)) for k, v in value.items()]
        return ("map", sorted(items))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [
            (f.name, _canon(getattr(value, f.name), depth + 1)) for f in dataclasses.fields(value)
        ]
        return ("data", kind.__module__, kind.__qualname__, fields)
    if isinstance(value, types.FunctionType):
        closure = [_canon(cell.cell_contents, depth + 1) for cell in value.__closure__ or ()]
        return (
            "fn",
            value.__module__,
            value.__qualname__,
            _canon(value.__code__, depth + 1),
            _canon(value.__defaults__, depth + 1),
            _canon(value.__kwdefaults__, depth + 1),
            closure,
        )
    if isinstance(value, types.CodeType):
        consts = [_canon(item, depth + 1) for item in value.co_consts]
        return ("code", value.co_code, value.co_names, consts)
    if isinstance(value, type):
        return ("type", value.__module__, value.__qualname__)
    if isinstance(value, types.BuiltinFunctionType):
        return ("builtin", getattr(value, "__module__", None), value.__qualname__)
    raise _Opaque(kind.__name__)


def _module_stamp(name: str) -> tuple[str, int, int] | None:
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if not path:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (name, info.st_mtime_ns, info.st_size)


@functools.cache
def _cscore_stamp() -> str:
    """Every module of cscore by size and modification time: an edited checker or
    compiler makes every entry another name (a version number alone would not)."""
    root = Path(cscore.__file__).parent
    entries = []
    for path in sorted(root.rglob("*.py")):
        info = path.stat()
        entries.append(f"{path.relative_to(root)}:{info.st_mtime_ns}:{info.st_size}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


def _restore_set(
    functions: Mapping[str, FunctionSpec], key: str, expression: Any, type_: Type, where: Where
) -> CompiledSet:
    return CompiledSet(key, expression, type_, where, compile_value(expression, functions))


def _rule_file(index: int) -> RuleFile:
    raise pickle.UnpicklingError("read only through the cache's unpickler")


class _Pickler(QuickPickler):
    def __init__(self, file: io.BytesIO, files: list[RuleFile]) -> None:
        super().__init__(file)
        self._files = {id(rule_file): index for index, rule_file in enumerate(files)}

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is RuleFile:  # the file as just read, not a copy
            index = self._files.get(id(obj))
            if index is None:
                raise pickle.PicklingError("a rule file that is not among the sources")
            return (_rule_file, (index,))
        if type(obj) is CompiledSet:  # its evaluator is closures: rebuilt when read
            return (_restore_set, (obj.key, obj.expression, obj.type, obj.where))
        return super().reducer_override(obj)


class _Unpickler(pickle.Unpickler):
    def __init__(
        self, file: io.BytesIO, files: list[RuleFile], functions: Mapping[str, FunctionSpec]
    ) -> None:
        super().__init__(file)
        self._files = files
        self._functions = functions

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_restore_set":
            return functools.partial(_restore_set, self._functions)
        if module == __name__ and name == "_rule_file":
            return self._files.__getitem__
        return super().find_class(module, name)


@dataclasses.dataclass(frozen=True)
class CachedRuleset:
    """A rule set an earlier kernel assembled from the same sources, found in the cache
    and not read yet: :meth:`read` gives it (assembled again should the entry turn out
    unreadable). ``files`` and ``version`` are those of the rule set it holds."""

    read: Callable[[], CompiledRuleset]
    files: tuple[RuleFile, ...]
    version: str


class CompiledCache:
    """Assemble rule sets, or read them as assembled by an earlier kernel."""

    def __init__(self, folder: Path | None, formats: Iterable[RuleFormat] = ()) -> None:
        self.folder = folder  # checked as the rule cache's (rulebook.cache.usable), or None: off
        self.formats = list(formats)
        self.modules = tuple(getattr(f.read, "__module__", "") for f in self.formats)
        self.hits = 0  # entries read
        self.misses = 0  # rule sets assembled (and written)
        self.found = 0  # entries found and left to read when asked (find)
        # Descriptions computed once per object (a kernel passes the same function table
        # for every rule set, and the same fact types for each kind of an industry); the
        # object is held, so its identity cannot be reused meanwhile.
        self._described: dict[int, tuple[Any, str]] = {}

    def assemble(
        self,
        sources: RulesetSources,
        fact_types: Mapping[str, Type],
        functions: Mapping[str, FunctionSpec],
    ) -> CompiledRuleset:
        found = self._entry(sources, fact_types, functions)
        if found is None:
            return assemble(sources, fact_types, functions)
        return self._from_entry(found, sources, fact_types, functions)

    def find(
        self,
        sources: RulesetSources,
        fact_types: Mapping[str, Type],
        functions: Mapping[str, FunctionSpec],
    ) -> CachedRuleset | None:
        """The rule set's entry, if the cache holds one, without reading it (a kernel
        reads at start-up only what a case asks for: the CLI's one case needs one of an
        installation's rule sets); None: it has to be assembled."""
        found = self._entry(sources, fact_types, functions)
        if found is None or not found[0].is_file():
            return None
        self.found += 1
        files = found[1]
        return CachedRuleset(
            lambda: self._from_entry(found, sources, fact_types, functions),
            tuple(files),
            rules_version(files),
        )

    def _entry(
        self,
        sources: RulesetSources,
        fact_types: Mapping[str, Type],
        functions: Mapping[str, FunctionSpec],
    ) -> tuple[Path, list[RuleFile]] | None:
        """Where the rule set's entry is (or goes), and its files in order; None: it is
        not cached (the cache is off, or a file or value cannot be named by content)."""
        if self.folder is None:
            return None
        files = sorted([*sources.shared, *sources.own], key=lambda f: f.path)
        if not all(self._by_content(f) for f in files):
            return None
        try:
            name = self._name(sources, fact_types, functions)
        except _Opaque:
            return None
        return self.folder / f"{name}.compiled", files

    def _from_entry(
        self,
        found: tuple[Path, list[RuleFile]],
        sources: RulesetSources,
        fact_types: Mapping[str, Type],
        functions: Mapping[str, FunctionSpec],
    ) -> CompiledRuleset:
        """The rule set read from its entry, or assembled and written there."""
        entry, files = found
        cached = self._read(entry, sources, files, functions)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        compiled = assemble(sources, fact_types, functions)  # errors are raised, not kept
        self._write(entry, compiled, files)
        return compiled

    def _name(
        self,
        sources: RulesetSources,
        fact_types: Mapping[str, Type],
        functions: Mapping[str, FunctionSpec],
    ) -> str:
        described = repr(
            (
                FORMAT,
                cscore.__version__,
                _cscore_stamp(),
                sources.key,
                sources.industry,
                sources.kind,
                sources.folder,
                sources.has_cases,
                [(f.path, f.sha256) for f in sources.own],
                [(f.path, f.sha256) for f in sources.shared],
                _canon(sources.outcomes),
                _canon(sources.citations),
                self._describe(fact_types, lambda: repr(_canon(fact_types))),
                self._describe(functions, lambda: self._describe_functions(functions)),
            )
        )
        return hashlib.sha256(described.encode()).hexdigest()

    def _by_content(self, rule_file: RuleFile) -> bool:
        """Read by a format that reads nothing but the file (RuleFormat.cacheable): its
        content hash then says all of what was read."""
        fmt = next((f for f in self.formats if f.handles(rule_file.file)), None)
        return fmt is not None and fmt.cacheable

    def _describe(self, value: Any, describe: Callable[[], str]) -> str:
        held = self._described.get(id(value))
        if held is not None and held[0] is value:
            return held[1]
        text = describe()
        self._described[id(value)] = (value, text)
        return text

    def _describe_functions(self, functions: Mapping[str, FunctionSpec]) -> str:
        modules = {getattr(spec.impl, "__module__", None) for spec in functions.values()}
        named = sorted(m for m in {*modules, *self.modules} if isinstance(m, str))
        # Which plugin registered a function only names it in messages; an unnamed
        # plugin object's name is its id(), which would make every start a miss.
        declared = {name: dataclasses.replace(spec, plugin="") for name, spec in functions.items()}
        return repr((_canon(declared), [_module_stamp(m) for m in named]))

    def _read(
        self,
        entry: Path,
        sources: RulesetSources,
        files: list[RuleFile],
        functions: Mapping[str, FunctionSpec],
    ) -> CompiledRuleset | None:
        try:
            data = entry.read_bytes()
        except OSError:
            return None
        # Tens of thousands of objects, none of them garbage: collecting while they are
        # made only walks them again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            compiled = _Unpickler(io.BytesIO(data), files, functions).load()
        except Exception:  # a corrupt or foreign entry is ignored, never raised
            return None
        finally:
            if collecting:
                gc.enable()
        if (
            type(compiled) is not CompiledRuleset
            or compiled.key != sources.key
            or compiled.version != rules_version(files)
        ):
            return None
        return compiled

    def _write(self, entry: Path, compiled: CompiledRuleset, files: list[RuleFile]) -> None:
        assert self.folder is not None
        buffer = io.BytesIO()
        try:
            _Pickler(buffer, files).dump(compiled)
        except (pickle.PicklingError, TypeError, AttributeError):
            return  # something a plugin made that cannot be pickled: not cached
        temporary = None
        try:
            fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(buffer.getvalue())
            os.replace(temporary, entry)  # atomic: readers see all of it or nothing
        except OSError:
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
