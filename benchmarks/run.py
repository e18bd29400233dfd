"""cscore benchmarks: one command, one process tree, one table (benchmarks/README.md).

    ./dev bench            # or: python benchmarks/run.py [--quick] [--update-readme]

1. Workload: the real rules of rules/ecommerce/ over N cases from workload.py.
2. Contenders, each in its own worker process and checked against cscore's answers
   before any time counts (a mismatch aborts the run): cscore.evaluate with and without
   the decision log, the engine alone, zen-engine (GoRules JDM), plain Python.
3. Rounds are interleaved (every contender once per round, in rotating order);
   cases/s is the median of the rounds, with min–max; p50/p99 per case; peak RSS.
4. Growth at 20/200/1,000 rules, 5. scale-out with 1 and 2 processes,
6. RSS over many evaluations, 7. a profile of cscore.evaluate.
Results go to benchmarks/results/latest.json (and .md; --update-readme splices them in).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import importlib
import json
import multiprocessing as mp
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workload import generate  # noqa: E402 — benchmarks/ is on the path from here on

SEED = 20261122
CONTENDERS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "cscore": ("contenders.cscore_kernel", "CscoreEvaluate", {}),
    "cscore_log": ("contenders.cscore_kernel", "CscoreEvaluate", {"log": True}),
    "cscore_queued": ("contenders.cscore_kernel", "CscoreEvaluate", {"log": True, "queued": True}),
    "cscore_many": ("contenders.cscore_kernel", "CscoreMany", {}),
    "cscore_many_log": ("contenders.cscore_kernel", "CscoreMany", {"log": True}),
    # Kernel(workers=cores): the batch shared with worker processes (cscore.pool)
    "cscore_pool": ("contenders.cscore_kernel", "CscoreMany", {"workers": -1}),
    "cscore_pool_log": ("contenders.cscore_kernel", "CscoreMany", {"workers": -1, "log": True}),
    "engine": ("contenders.cscore_kernel", "EngineAlone", {}),
    "zen": ("contenders.zen_engine", "ZenEngineContender", {}),
    "zen_async": ("contenders.zen_engine", "ZenEngineAsync", {}),
    "python": ("contenders.plain_python", "PlainPython", {}),
    "python_pydantic": ("contenders.plain_python", "PlainPythonValidated", {}),
}
# The mixed workload (every industry): cscore's own contenders only (zen and plain
# Python implement the e-commerce return policy alone).
MIXED = ("cscore", "cscore_log", "cscore_many")


# -- worker processes ------------------------------------------------------------------


def _rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _build(key: str, extra: dict[str, Any] | None = None) -> Any:
    module, cls, kwargs = CONTENDERS[key]
    return getattr(importlib.import_module(module), cls)(**{**kwargs, **(extra or {})})


def _worker(conn: Any, key: str, count: int, extra: dict[str, Any] | None) -> None:
    sys.path.insert(0, str(HERE))
    cases = (
        generate(count, seed=SEED) if extra is None or "cases" not in extra else extra.pop("cases")
    )
    contender = _build(key, extra)
    if hasattr(contender, "prepare"):
        contender.prepare(cases)
    decide = contender.decide
    batch = getattr(contender, "batch", False)
    conn.send(("ready", contender.name))
    while True:
        command, argument = conn.recv()
        if command == "answers":
            conn.send(contender.decide_many(cases) if batch else [decide(c) for c in cases])
        elif command == "round" and batch:  # timed as a whole: no per-case latency
            clock = time.perf_counter_ns
            started = clock()
            contender.decide_many(cases)
            elapsed = (clock() - started) / 1e9
            conn.send({"cases_per_s": len(cases) / elapsed, "p50_us": None, "p99_us": None})
        elif command == "round":
            latencies = []
            clock = time.perf_counter_ns
            by_industry: dict[str, list[int]] = {}
            started = clock()
            for case in cases:
                begin = clock()
                decide(case)
                took = clock() - begin
                latencies.append(took)
                by_industry.setdefault(case.get("industry", ""), []).append(took)
            elapsed = (clock() - started) / 1e9
            latencies.sort()
            conn.send(
                {
                    "cases_per_s": len(cases) / elapsed,
                    "p50_us": latencies[len(latencies) // 2] / 1000,
                    "p99_us": latencies[int(len(latencies) * 0.99)] / 1000,
                    "by_industry": {
                        key: len(times) / (sum(times) / 1e9) for key, times in by_industry.items()
                    },
                }
            )
        elif command == "soak":
            total, samples, every = argument, [], max(argument // 20, 1)
            for index in range(total):
                decide(cases[index % len(cases)])
                if index % every == 0:
                    samples.append((index, round(_rss_mib(), 1)))
            samples.append((total, round(_rss_mib(), 1)))
            conn.send(samples)
        elif command == "rss":
            conn.send({"peak_mib": _rss_mib("VmHWM"), "now_mib": _rss_mib()})
        elif command == "stop":
            if hasattr(contender, "close"):
                contender.close()
            conn.send("bye")
            return


class Worker:
    def __init__(self, key: str, count: int, extra: dict[str, Any] | None = None) -> None:
        self.key = key
        self.conn, child = mp.Pipe()
        self.process = mp.get_context("spawn").Process(
            target=_worker, args=(child, key, count, extra), daemon=True
        )
        self.process.start()
        status, self.name = self.conn.recv()
        assert status == "ready"

    def ask(self, command: str, argument: Any = None) -> Any:
        self.conn.send((command, argument))
        return self.conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self.process.join(timeout=30)


# -- the parts of the run -----------------------------------------------------------


def check_answers(
    workers: dict[str, Worker], count: int, cases: list[dict[str, Any]] | None = None
) -> dict[str, int]:
    """Every contender must answer every case exactly as cscore does; abort otherwise."""
    cases = cases if cases is not None else generate(count, seed=SEED)
    reference = workers["cscore"].ask("answers")
    checked = {}
    for key, worker in workers.items():
        answers = reference if key == "cscore" else worker.ask("answers")
        wrong = [
            i for i, (want, got) in enumerate(zip(reference, answers, strict=True)) if want != got
        ]
        if wrong:
            print(f"\nABORT: {worker.name} differs from cscore on {len(wrong)} of {count} cases:")
            for i in wrong[:5]:
                print(f"  {cases[i]['id']}: cscore {reference[i]} / {worker.name} {answers[i]}")
            raise SystemExit(1)
        checked[key] = count
        print(f"  {worker.name:28s} identical on {count} cases")
    return checked


def throughput(workers: dict[str, Worker], rounds: int) -> dict[str, Any]:
    keys = list(workers)
    for key in keys:  # warm-up round, not counted
        workers[key].ask("round")
    samples: dict[str, list[dict[str, float]]] = {key: [] for key in keys}
    for number in range(rounds):
        order = keys[number % len(keys) :] + keys[: number % len(keys)]
        for key in order:
            samples[key].append(workers[key].ask("round"))
        print(f"  round {number + 1}/{rounds}", end="\r", flush=True)
    results = {}
    for key in keys:
        rates = [s["cases_per_s"] for s in samples[key]]
        timed = [s for s in samples[key] if s["p50_us"] is not None]
        results[key] = {
            "name": workers[key].name,
            "cases_per_s": statistics.median(rates),
            "min": min(rates),
            "max": max(rates),
            "p50_us": statistics.median(s["p50_us"] for s in timed) if timed else None,
            "p99_us": statistics.median(s["p99_us"] for s in timed) if timed else None,
            "peak_rss_mib": workers[key].ask("rss")["peak_mib"],
        }
        industries = sorted({i for s in samples[key] for i in s.get("by_industry", {})})
        if industries:
            results[key]["by_industry"] = {
                i: statistics.median(s["by_industry"][i] for s in samples[key]) for i in industries
            }
        # Paired per round (the same round, the machine in the same state): the ratios.
        results[key]["rates"] = rates
    for key in keys:
        for other, field in (
            ("zen", "vs_zen"),
            ("zen_async", "vs_zen_async"),
            ("python", "vs_python"),
        ):
            if other in results:
                results[key][field] = _paired(results[key]["rates"], results[other]["rates"])
    return results


def _paired(mine: list[float], theirs: list[float]) -> float:
    """The median over rounds of the ratio of two contenders' rates in the same round."""
    return statistics.median(a / b for a, b in zip(mine, theirs, strict=True))


def _spread(mine: list[float], theirs: list[float]) -> str:
    """The lowest and highest of those per-round ratios (how far one round may be off)."""
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    return f"rounds {min(ratios):.2f}–{max(ratios):.2f}"


def growth(sizes: list[int], count: int) -> list[dict[str, Any]]:
    import growth as g

    from cscore.errors import CscoreError

    rows = []
    for size in sizes:
        cases = g.cases(size, count)
        with tempfile.TemporaryDirectory() as tmp:
            rules = g.write_rules(Path(tmp) / "rules", size)
            row: dict[str, Any] = {"rules": size}
            zen_decide = _growth_zen(g.zen_graph(size), cases, row)
            python_decide = _growth_python(g.plain_policy(size))
            deciders = {"zen": zen_decide, "python": python_decide}
            try:
                cscore, load = _growth_cscore(rules, Path(tmp) / "cache", row)
            except CscoreError as exc:  # e.g. more rules than one durable ruleset holds
                row["cscore_refused"] = str(exc)
                cscore = None
            else:
                deciders["cscore"] = cscore.evaluate
                row["compiled_rules"] = load
            rates = _interleaved(deciders, cases)
            if cscore is not None:
                cscore.close()
            for name, rate in rates.items():
                row[f"{name}_cases_per_s"] = rate
            if "cscore" in rates:
                row["zen_over_cscore"] = rates["zen"] / rates["cscore"]
        rows.append(row)
        print(f"  {size} rules done")
    return rows


def _interleaved(
    deciders: dict[str, Any], cases: list[dict[str, Any]], rounds: int = 3
) -> dict[str, float]:
    for decide in deciders.values():
        for case in cases[: len(cases) // 10]:
            decide(case)
    rates: dict[str, list[float]] = {name: [] for name in deciders}
    for number in range(rounds):
        names = list(deciders)
        names = names[number % len(names) :] + names[: number % len(names)]
        for name in names:
            started = time.perf_counter()
            for case in cases:
                deciders[name](case)
            rates[name].append(len(cases) / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in rates.items()}


def _growth_cscore(rules: Path, cache: Path, row: dict[str, Any]) -> tuple[Any, int]:
    """Load once with an empty rule cache (cold: every file parsed), then again from
    the cache a fresh kernel finds (warm: what a restart or the CLI pays)."""
    from cscore.kernel import Kernel

    previous = os.environ.get("CSCORE_CACHE_DIR")
    os.environ["CSCORE_CACHE_DIR"] = str(cache)
    try:
        started = time.perf_counter()
        cold = Kernel(rules_dir=rules)
        row["cscore_load_ms"] = (time.perf_counter() - started) * 1000
        cold.close()
        warm_ms = []
        for _ in range(3):
            started = time.perf_counter()
            kernel = Kernel(rules_dir=rules)
            # every rule set read and loaded: a kernel reads one when a case first
            # needs it, which would leave the reading out of the figure
            kernel.library.compiled()
            warm_ms.append((time.perf_counter() - started) * 1000)
            kernel.close()
        row["cscore_cached_load_ms"] = statistics.median(warm_ms)
        kernel = Kernel(rules_dir=rules)
    finally:
        if previous is None:
            os.environ.pop("CSCORE_CACHE_DIR", None)
        else:
            os.environ["CSCORE_CACHE_DIR"] = previous
    return kernel, len(kernel.library.get("ecommerce", "return").compiled.rules)


def _growth_zen(graph: str, cases: list[dict[str, Any]], row: dict[str, Any]) -> Any:
    from contenders.zen_engine import precompiled

    started = time.perf_counter()
    decision = precompiled(graph)
    decision.evaluate(cases[0]["facts"])
    row["zen_load_ms"] = (time.perf_counter() - started) * 1000
    return lambda case: decision.evaluate(case["facts"])


def _growth_python(policy: dict[str, int]) -> Any:
    def decide(case: dict[str, Any]) -> dict[str, str]:
        facts = case["facts"]
        window = policy.get(facts["product_category"])
        days = (
            dt.date.fromisoformat(facts["request_date"])
            - dt.date.fromisoformat(facts["delivered_date"])
        ).days
        if window is not None and days <= window:
            return {"decision": "return", "reason": "within_category_window"}
        return {"decision": "reject", "reason": "window_expired"}

    return decide


def _scale_worker(count: int, offset: int, step: int, repeat: int, start: Any, done: Any) -> None:
    sys.path.insert(0, str(HERE))
    from cscore.kernel import Kernel

    kernel = Kernel()
    cases = generate(count, seed=SEED)[offset::step]
    for case in cases:
        kernel.evaluate(case)
    start.wait()
    for _ in range(repeat):
        for case in cases:
            kernel.evaluate(case)
    done.put(len(cases) * repeat)


def scale_out(count: int, repeat: int) -> list[dict[str, Any]]:
    context = mp.get_context("spawn")
    rows = []
    for processes in (1, 2):
        start = context.Barrier(processes + 1)
        done = context.Queue()
        workers = [
            context.Process(target=_scale_worker, args=(count, i, processes, repeat, start, done))
            for i in range(processes)
        ]
        for worker in workers:
            worker.start()
        start.wait()
        began = time.perf_counter()
        total = sum(done.get() for _ in workers)
        elapsed = time.perf_counter() - began
        for worker in workers:
            worker.join()
        rows.append({"processes": processes, "cases_per_s": total / elapsed})
    rows[1]["speedup"] = rows[1]["cases_per_s"] / rows[0]["cases_per_s"]
    return rows


def memory(count: int, evaluations: int) -> dict[str, Any]:
    """RSS over many evaluations, without and with the decision log (both at once: the
    figure is memory, not speed)."""
    workers = {key: Worker(key, count) for key in ("cscore", "cscore_log")}
    for worker in workers.values():
        worker.conn.send(("soak", evaluations))
    out = {}
    for key, worker in workers.items():
        samples = worker.conn.recv()
        worker.stop()
        baseline = samples[max(1, len(samples) // 10)][1]  # after the warm-up tenth
        out[key] = {
            "evaluations": evaluations,
            "samples": samples,
            "baseline_mib": baseline,
            "final_mib": samples[-1][1],
            "growth_mib": round(samples[-1][1] - baseline, 1),
        }
    return out


def mixed_workload(count: int, rounds: int) -> dict[str, Any]:
    import mixed

    cases = mixed.generate(count)
    workers = {key: Worker(key, count, {"cases": cases}) for key in MIXED}
    try:
        check_answers(workers, count, cases)
        samples = throughput_plain(workers, rounds)
    finally:
        for worker in workers.values():
            worker.stop()
    return {
        "cases": count,
        "rounds": rounds,
        "industries": sorted({case["industry"] for case in cases}),
        "throughput": samples,
    }


def throughput_plain(workers: dict[str, Worker], rounds: int) -> dict[str, Any]:
    """Interleaved rounds, without the ratios to zen and Python (not in this workload)."""
    keys = list(workers)
    for key in keys:
        workers[key].ask("round")
    samples: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    for number in range(rounds):
        for key in keys[number % len(keys) :] + keys[: number % len(keys)]:
            samples[key].append(workers[key].ask("round"))
    out = {}
    for key in keys:
        industries = sorted({i for s in samples[key] for i in s.get("by_industry", {})})
        out[key] = {
            "name": workers[key].name,
            "cases_per_s": statistics.median(s["cases_per_s"] for s in samples[key]),
            "by_industry": {
                i: statistics.median(s["by_industry"][i] for s in samples[key]) for i in industries
            },
        }
    return out


def cli_cpu(runs: int = 5) -> dict[str, Any]:
    """CPU seconds (user + system) of ``cscore evaluate CASE.json`` in a subprocess,
    median of ``runs``; with bytecode caches as an installed package has them, and
    without (PYTHONDONTWRITEBYTECODE=1 and no __pycache__: every module compiled)."""
    import resource
    import subprocess

    script = Path(sys.executable).parent / "cscore"
    case = {
        "industry": "ecommerce",
        "kinds": ["return"],
        "facts": {
            "order_channel": "online",
            "request_type": "no_reason_return",
            "delivered_date": "2026-03-02",
            "request_date": "2026-03-06",
        },
    }
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.json"
        path.write_text(json.dumps(case), encoding="utf-8")
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base["CSCORE_CACHE_DIR"] = str(Path(tmp) / "cache")
        variants = {
            "no_log": (["evaluate", "--no-log", str(path)], base),
            "log": (["--db", str(Path(tmp) / "cli.db"), "evaluate", str(path)], base),
            "no_log_no_bytecode": (
                ["evaluate", "--no-log", str(path)],
                {
                    **base,
                    "PYTHONDONTWRITEBYTECODE": "1",
                    "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pyc"),
                },
            ),
        }
        subprocess.run(
            [str(script), *variants["no_log"][0]], env=base, capture_output=True, check=True
        )
        for name, (args, env) in variants.items():
            cpu = []
            for _ in range(runs):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([str(script), *args], env=env, capture_output=True, check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            out[name] = statistics.median(cpu)
    return out


CATEGORIES = [
    ("durable_rules C core", lambda f: "durable_rules_engine" in f),
    ("engine adapter", lambda f: "engine/durable.py" in f),
    ("rule callbacks: fire, settle", lambda f: "rulebook/run.py" in f or "resolution.py" in f),
    (
        "set values: interpreter, calendar",
        lambda f: "language/" in f or "calendar" in f or "default_plugins" in f,
    ),
    ("facts validation (pydantic)", lambda f: "pydantic" in f or "models/facts" in f),
    (
        "decision and trace building",
        lambda f: "jsonvalues" in f or "models/decision" in f or "kernel.py" in f,
    ),
    ("JSON encoding", lambda f: "json/" in f or "_json" in f),
    ("envelope, routing, plugins", lambda f: "models/case" in f or "pluggy" in f or "enrich" in f),
]


def profile(count: int) -> dict[str, Any]:
    from cscore.kernel import Kernel

    kernel = Kernel()
    cases = generate(count, seed=SEED)
    for case in cases[:500]:
        kernel.evaluate(case)
    profiler = cProfile.Profile()
    profiler.enable()
    for case in cases:
        kernel.evaluate(case)
    profiler.disable()
    stats = pstats.Stats(profiler)
    shares: dict[str, float] = {name: 0.0 for name, _ in CATEGORIES}
    shares["other"] = 0.0
    top = []
    total = 0.0
    for (filename, line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{filename}:{function}"
        total += tottime
        for name, test in CATEGORIES:
            if test(where):
                shares[name] += tottime
                break
        else:
            shares["other"] += tottime
        top.append((tottime, f"{Path(filename).name}:{line}({function})"))
    top.sort(reverse=True)
    kernel.close()
    return {
        "cases": count,
        "shares": {name: round(100 * value / total, 1) for name, value in shares.items()},
        "top": [{"function": name, "percent": round(100 * t / total, 1)} for t, name in top[:12]],
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except OSError:
        memory_kib = 0
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "durable_rules": version("durable_rules"),
        "zen_engine": version("zen-engine"),
        "date": dt.datetime.now().isoformat(timespec="minutes"),
        "load": round(os.getloadavg()[0], 1),
    }


# -- reporting --------------------------------------------------------------------------


def _us(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def render(results: dict[str, Any]) -> str:
    lines = []
    m = results["machine"]
    lines.append(
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB "
        f"(load average {m['load']} at the start: the machine is shared), "
        f"Python {m['python']}, durable_rules {m['durable_rules']}, zen-engine {m['zen_engine']}; "
        f"{results['cases']} cases × {results['rounds']} interleaved rounds. Ratios are the "
        "median of per-round ratios (both contenders timed in the same round)."
    )
    lines += [
        "",
        "| contender | cases/s (median) | min–max | p50 µs | p99 µs | peak RSS MiB | ÷ zen sync | ÷ zen async | ÷ plain Python |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["throughput"].values():
        lines.append(
            f"| {row['name']} | {row['cases_per_s']:,.0f} | {row['min']:,.0f}–{row['max']:,.0f} | "
            f"{_us(row['p50_us'])} | {_us(row['p99_us'])} | {row['peak_rss_mib']:.0f} | "
            f"{_ratio(row.get('vs_zen'))} | {_ratio(row.get('vs_zen_async'))} | "
            f"{row['vs_python']:.3f} |"
        )
    t = results["throughput"]
    log_ratio = _paired(t["cscore_log"]["rates"], t["cscore"]["rates"])
    queued_ratio = _paired(t["cscore_queued"]["rates"], t["cscore"]["rates"])
    many_log_ratio = _paired(t["cscore_many_log"]["rates"], t["cscore_many"]["rates"])
    g1000 = next((row for row in results["growth"] if row["rules"] == 1000), None)
    mem = results["memory"]
    cli = results["cli_cpu"]
    lines += [
        "",
        "Targets (issue 16; same run):",
        "",
        "| target | measured | goal |",
        "|---|---:|---:|",
        f"| cscore.evaluate ÷ zen sync (ZenDecisionContent), one case per call | **{t['cscore']['vs_zen']:.2f}** | ≥ 1.5 |",
        f"| cscore.evaluate_many ÷ zen async, 256 in flight (workers = cores) | **{t['cscore_pool']['vs_zen_async']:.2f}** ({_spread(t['cscore_pool']['rates'], t['zen_async']['rates'])}; in one process {t['cscore_many']['vs_zen_async']:.2f}) | ≥ 1.0 |",
        f"| evaluate with the log ÷ without (journaled before return) | **{log_ratio:.2f}** ({_spread(t['cscore_log']['rates'], t['cscore']['rates'])}) | ≥ 0.7 |",
        f"| evaluate_many with the log ÷ without | **{many_log_ratio:.2f}** | ≥ 0.7 |",
        f"| p99 ÷ p50 with the log | **{t['cscore_log']['p99_us'] / t['cscore_log']['p50_us']:.1f}** (without the log: {t['cscore']['p99_us'] / t['cscore']['p50_us']:.1f}) | ≤ 3 |",
    ]
    if g1000 is not None:
        lines += [
            f"| zen ÷ cscore at 1,000 rules | **{g1000['zen_over_cscore']:.2f}** | ≤ 2 |",
            f"| 1,000-rule load from the rule cache | **{g1000['cscore_cached_load_ms'] / 1000:.2f} s** (cold {g1000['cscore_load_ms'] / 1000:.2f} s) | < 0.2 s |",
        ]
    lines += [
        f"| CLI: one case, CPU (user + sys) | **{cli['no_log']:.2f} s** (with the log {cli['log']:.2f} s; without bytecode caches {cli['no_log_no_bytecode']:.2f} s) | < 0.35 s |",
        f"| memory over {mem['cscore']['evaluations']:,} evaluations | **{mem['cscore']['growth_mib']} MiB** without the log, **{mem['cscore_log']['growth_mib']} MiB** with it | flat |",
        "",
        "Not a target: the log without a journal, queued for a writer thread "
        f"(`log_journal=False, log_wait=False`) ÷ without the log: {queued_ratio:.2f} "
        "(the writer thread shares the GIL with the evaluations; the journal hands a "
        "decision to the loader process for less).",
        "",
        "Mixed workload (every industry's rule cases and the public cases, "
        f"{results['mixed']['cases']} cases × {results['mixed']['rounds']} rounds):",
        "",
        "| contender | cases/s | " + " | ".join(results["mixed"]["industries"]) + " |",
        "|---|---:|" + "---:|" * len(results["mixed"]["industries"]),
    ]
    for row in results["mixed"]["throughput"].values():
        per = row.get("by_industry", {})
        cells = " | ".join(
            f"{per[i]:,.0f}" if i in per else "—" for i in results["mixed"]["industries"]
        )
        lines.append(f"| {row['name']} | {row['cases_per_s']:,.0f} | {cells} |")
    lines += [
        "",
        "(per industry: cases/s of that industry's cases inside the mixed rounds, all its kinds decided)",
        "",
    ]
    if "appliance" in results:
        import appliance

        lines += [appliance.render(results["appliance"]), ""]
    lines += [
        "",
        "Growth (a generated rule set of K category windows; load = parse + check + compile + "
        "engine load; cached: a new kernel reading every rule set from the rule cache; rates interleaved):",
        "",
        "| rules | cscore cases/s | cscore load ms | cached load ms | zen cases/s | zen load ms | zen ÷ cscore | plain Python cases/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["growth"]:
        if "cscore_refused" in row:
            lines.append(
                f"| {row['rules']} | refused: {row['cscore_refused'].split(': ', 1)[-1]} | — | — | "
                f"{row['zen_cases_per_s']:,.0f} | {row['zen_load_ms']:.1f} | — | "
                f"{row['python_cases_per_s']:,.0f} |"
            )
            continue
        lines.append(
            f"| {row['rules']} | {row['cscore_cases_per_s']:,.0f} | {row['cscore_load_ms']:.0f} | "
            f"{row['cscore_cached_load_ms']:.0f} | {row['zen_cases_per_s']:,.0f} | "
            f"{row['zen_load_ms']:.1f} | {row['zen_over_cscore']:.2f} | {row['python_cases_per_s']:,.0f} |"
        )
    scale = results["scale_out"]
    lines += [
        "",
        f"Scale-out (cscore.evaluate, spawned processes): 1 process {scale[0]['cases_per_s']:,.0f} cases/s, "
        f"2 processes {scale[1]['cases_per_s']:,.0f} cases/s (×{scale[1]['speedup']:.2f} on {m['cores']} cores).",
        "",
    ]
    for key, label in (("cscore", "without the log"), ("cscore_log", "with the log")):
        run = mem[key]
        lines.append(
            f"Memory {label}: RSS {run['baseline_mib']} MiB after warm-up → "
            f"{run['final_mib']} MiB after {run['evaluations']:,} evaluations "
            f"(samples: {', '.join(f'{n:,}:{r}' for n, r in run['samples'][::4])})."
        )
    lines += [
        "",
        f"Profile of cscore.evaluate ({results['profile']['cases']} cases, cProfile self time):",
        "",
        "| where | share |",
        "|---|---:|",
    ]
    for name, share in sorted(results["profile"]["shares"].items(), key=lambda item: -item[1]):
        lines.append(f"| {name} | {share} % |")
    lines += [
        "",
        "Top functions: "
        + "; ".join(f"{t['function']} {t['percent']} %" for t in results["profile"]["top"][:8]),
    ]
    return "\n".join(lines)


def render_throughput(t: dict[str, Any], count: int, rounds: int) -> str:
    """The first table alone (``--throughput-only``): rates and the paired ratios."""
    lines = [
        f"{count} cases × {rounds} interleaved rounds; ratios: median of per-round ratios",
        "",
        "| contender | cases/s (median) | min–max | ÷ zen sync | ÷ zen async |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in t.values():
        lines.append(
            f"| {row['name']} | {row['cases_per_s']:,.0f} | {row['min']:,.0f}–{row['max']:,.0f} | "
            f"{_ratio(row.get('vs_zen'))} | {_ratio(row.get('vs_zen_async'))} |"
        )
    return "\n".join(lines)


def _save(results: dict[str, Any]) -> None:
    """What has been measured so far (a later part failing keeps the earlier ones)."""
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "partial.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8"
    )


def update_readme(text: str) -> None:
    readme = HERE / "README.md"
    content = readme.read_text(encoding="utf-8")
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    before, _, rest = content.partition(start)
    _, _, after = rest.partition(end)
    readme.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a smoke run in a minute or two"
    )
    parser.add_argument("--cases", type=int, help="cases per round (default 5,000; quick 1,000)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 7; quick 3)")
    parser.add_argument(
        "--soak", type=int, help="evaluations for the memory check (default 1,000,000)"
    )
    parser.add_argument(
        "--update-readme", action="store_true", help="write the table into benchmarks/README.md"
    )
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="only check the contenders and time them (the first table); nothing is saved",
    )
    parser.add_argument(
        "--contenders",
        help="with --throughput-only: comma-separated keys of CONTENDERS (cscore is added)",
    )
    args = parser.parse_args()
    count = args.cases or (1000 if args.quick else 5000)
    rounds = args.rounds or (3 if args.quick else 7)
    soak = args.soak or (50_000 if args.quick else 1_000_000)
    sizes = [20, 200, 1000] if args.quick else [20, 200, 1000, 5000]
    results: dict[str, Any] = {"machine": machine(), "cases": count, "rounds": rounds}

    keys = list(CONTENDERS)
    if args.contenders:
        keys = ["cscore"] + [k for k in args.contenders.split(",") if k and k != "cscore"]
    print(f"starting {len(keys)} contender processes ({count} cases each)…")
    workers = {key: Worker(key, count) for key in keys}
    try:
        print("checking every contender against cscore…")
        results["checked"] = check_answers(workers, count)
        print("timing…")
        results["throughput"] = throughput(workers, rounds)
    finally:
        for worker in workers.values():
            worker.stop()
    if args.throughput_only:
        print(render_throughput(results["throughput"], count, rounds))
        return
    _save(results)
    print("mixed workload…")
    results["mixed"] = mixed_workload(count, max(3, rounds // 2))
    _save(results)
    print("appliance repair, every kind against plain Python…")
    import appliance

    results["appliance"] = appliance.run(min(count, 3000), max(3, rounds // 2))
    _save(results)
    print("growth…")
    results["growth"] = growth(sizes, 500 if args.quick else 2000)
    _save(results)
    print("CLI…")
    results["cli_cpu"] = cli_cpu()
    print("scale-out…")
    results["scale_out"] = scale_out(count, 1 if args.quick else 3)
    _save(results)
    print(f"memory over {soak:,} evaluations, without and with the log…")
    results["memory"] = memory(count, soak)
    print("profile…")
    results["profile"] = profile(min(count, 3000))

    text = render(results)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (out / "latest.md").write_text(text + "\n", encoding="utf-8")
    (out / "partial.json").unlink(missing_ok=True)
    if args.update_readme:
        update_readme(text)
    print()
    print(text)


if __name__ == "__main__":
    main()
