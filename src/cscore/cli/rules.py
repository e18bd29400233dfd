"""``cscore rules``: check, test and list the rule files (for business staff)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cscore.errors import RuleFileError, RuleLoadError
from cscore.rulebook.cases import (
    check_case,
    find_case_files,
    load_cases,
    rules_dir_for,
    run_case,
)

MAX_SHOWN = 50  # problems printed per run: enough to fix a batch, not a wall of text


@click.group()
def rules() -> None:
    """Check, test and list rule files."""


def _kernel(settings: Any, paths: tuple[str, ...]) -> Any:
    rules_dir = rules_dir_for(Path(paths[0])) if paths else None
    try:
        return settings.kernel(log=False, rules_dir=rules_dir)
    except RuleLoadError as exc:
        for error in exc.errors[:MAX_SHOWN]:
            click.echo(f"ERROR {error}", err=True)
        if len(exc.errors) > MAX_SHOWN:
            click.echo(f"ERROR … and {len(exc.errors) - MAX_SHOWN} more", err=True)
        raise click.ClickException(f"{len(exc.errors)} problem(s) in the rule files") from None


@rules.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.pass_obj
def check(settings: Any, paths: tuple[str, ...], strict: bool) -> None:
    """Load and compile the rule files and check the rule cases beside them; report
    every problem with file:line."""
    kernel = _kernel(settings, paths)
    compiled = kernel.library.compiled()
    files = {f.path for ruleset in compiled.values() for f in ruleset.files}
    # A rule set shares the files of the packs: one warning is printed once.
    warnings = dict.fromkeys(w for ruleset in compiled.values() for w in ruleset.warnings)
    for warning in warnings:
        click.echo(f"warning: {warning}")
    for ruleset in compiled.values():
        for name, (common, own) in ruleset.shadowed.items():
            click.echo(f"note: {ruleset.key}: constant '{name}' from {own} overrides {common}")
    problems = _check_cases(kernel, paths)
    for problem in problems[:MAX_SHOWN]:
        click.echo(f"ERROR {problem}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the rule cases")
    count = sum(len(r.rules) for r in compiled.values())
    if strict and warnings:
        raise click.ClickException(f"{len(warnings)} warning(s) and --strict")
    click.echo(f"OK: {len(compiled)} rule sets, {count} rules, {len(files)} files")


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("-v", "--verbose", is_flag=True, help="Also print the outcome of failing cases.")
@click.pass_obj
def test(settings: Any, paths: tuple[str, ...], verbose: bool) -> None:
    """Run the rule cases (*.cases.yaml): PASS/FAIL per case, exit 1 on any failure."""
    kernel = _kernel(settings, paths)
    roots = [Path(p) for p in paths] or [root.path for root in kernel.library.roots()]
    files = find_case_files(roots)
    if not files:
        raise click.ClickException("no *.cases.yaml files found")
    passed = failed = 0
    for file in files:
        try:
            cases = load_cases(file, _display(file))
        except RuleFileError as exc:
            click.echo(f"ERROR {exc}")
            failed += 1
            continue
        for case in cases:
            result = run_case(kernel, case)
            label = f"{case.industry}.{'+'.join(case.kinds)} › {case.name}"
            if result.passed:
                passed += 1
                click.echo(f"PASS  {label}")
                _warnings(result.warnings)
                continue
            failed += 1
            click.echo(f"FAIL  {label}  ({case.where})")
            _warnings(result.warnings)
            for problem in result.problems:
                click.echo(f"        {problem}")
            if verbose:
                click.echo(f"        outcome: {result.outcomes}")
    total = passed + failed
    if failed:
        click.echo(f"FAIL: {failed} of {total} cases failed, {passed} passed")
        raise SystemExit(1)
    click.echo(f"PASS: {passed}/{total} cases")


def _check_cases(kernel: Any, paths: tuple[str, ...]) -> list[str]:
    """Every problem of the *.cases.yaml files beside the rules (not running them)."""
    roots = [Path(p) for p in paths] or [root.path for root in kernel.library.roots()]
    problems: list[str] = []
    for file in find_case_files(roots):
        try:
            cases = load_cases(file, _display(file))
        except RuleFileError as exc:
            problems.append(str(exc))
            continue
        for case in cases:
            problems.extend(check_case(kernel, case))
    return problems


def _warnings(warnings: list[str]) -> None:
    for warning in warnings:
        click.echo(f"        warning: {warning}")


def _display(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(file)


@rules.command("list")
@click.argument("ruleset", required=False)
@click.pass_obj
def list_rules(settings: Any, ruleset: str | None) -> None:
    """List rule sets and their rules: key (the catalog id, ``#n`` where several rules
    share it), name, layer, priority and source."""
    kernel = _kernel(settings, ())
    for compiled in kernel.library.compiled().values():
        if ruleset and compiled.key != ruleset:
            continue
        click.echo(f"{compiled.key}  ({len(compiled.rules)} rules, {compiled.layer_count} layers)")
        for rule in compiled.rules:
            click.echo(
                f"  L{rule.layer} p{rule.priority:<4} {rule.key:<24} {rule.name}  ({rule.where})"
            )
