"""``POST /v1/rules/check``: load the served rule files, or the served ones with one
file replaced or added, in a kernel of its own (nothing served changes), and report
every problem as data with its file:line, as ``cscore rules check`` prints them."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from cscore.errors import CscoreError, RuleFileError, RuleLoadError
from cscore.kernel import Kernel
from cscore.server.context import problem
from cscore.server.errors import ApiError
from cscore.server.schemas import RuleFileIn


def check_rules(kernel: Kernel, rules_dir: str | None, posted: RuleFileIn | None) -> dict[str, Any]:
    if posted is None:
        return _check(lambda: Kernel(rules_dir=rules_dir, db=None), {})
    roots = {root.key: root for root in kernel.library.roots()}
    if posted.root not in roots:
        raise ApiError(
            422,
            f"unknown rule folder '{posted.root}' (served: {', '.join(sorted(roots))})",
            ["body", "root"],
        )
    name = posted.name
    if Path(name).name != name or name in ("", ".", "..") or "\\" in name or "\0" in name:
        raise ApiError(422, f"'{name}' is not a plain file name", ["body", "name"])
    suffixes = sorted({f.suffix for f in kernel.formats})
    if not any(name.endswith(suffix) for suffix in suffixes):
        raise ApiError(
            422, f"'{name}' is not a rule file (suffixes: {', '.join(suffixes)})", ["body", "name"]
        )
    with tempfile.TemporaryDirectory(prefix="cscore-check-") as folder:
        # A kernel names files by the rules folder's own name, so the scratch copy is
        # a folder "rules" and its paths are mapped back to the served ones.
        base = Path(folder) / "rules"
        base.mkdir()
        labels = {}
        for key, root in roots.items():
            if root.path.is_dir():
                shutil.copytree(root.path, base / key)
            labels[f"rules/{key}"] = root.label
        if rules_dir is not None and (Path(rules_dir) / "calendar").is_dir():
            shutil.copytree(Path(rules_dir) / "calendar", base / "calendar")
            labels["rules/calendar"] = f"{Path(rules_dir).resolve().name}/calendar"
        (base / posted.root).mkdir(exist_ok=True)
        (base / posted.root / name).write_text(posted.text, encoding="utf-8")
        return _check(lambda: Kernel(rules_dir=base, db=None), labels)


def _check(build: Any, labels: dict[str, str]) -> dict[str, Any]:
    """Build the kernel; its problems with the scratch folder's paths shown as served."""
    try:
        checked = build()
    except RuleLoadError as exc:
        return _answer([_relabel(problem(e), labels) for e in exc.errors], [], 0, 0, 0)
    except (CscoreError, RuleFileError) as exc:
        return _answer([_relabel(problem(exc), labels)], [], 0, 0, 0)
    try:
        compiled = checked.library.compiled()
        files = {f.path for ruleset in compiled.values() for f in ruleset.files}
        warnings = [_shown(w, labels) for r in compiled.values() for w in r.warnings]
        count = sum(len(r.rules) for r in compiled.values())
        return _answer([], warnings, len(compiled), count, len(files))
    finally:
        checked.close()


def _answer(
    errors: list[dict[str, Any]], warnings: list[str], sets: int, rules: int, files: int
) -> dict[str, Any]:
    return {
        "ok": not errors,
        "rule_sets": sets,
        "rules": rules,
        "files": files,
        "errors": errors,
        "warnings": warnings,
    }


def _relabel(found: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    return {
        **found,
        "path": _shown(found["path"], labels) if found["path"] else None,
        "msg": _shown(found["msg"], labels),
    }


def _shown(text: str, labels: dict[str, str]) -> str:
    for scratch, label in labels.items():
        text = text.replace(scratch, label)
    return text
