"""Run every GradBench eval at a small size against adjoint's tool, GradBench's C++
reference (`manual`) and its JAX and PyTorch tools, and print one table.

    python -m benchmarks.gradbench.bench [--evals lse gmm ...] [--tools adjoint manual ...]
                                         [--runs N] [--timeout S] [--json FILE]

Run it with the Python of a venv that has GradBench's `gradbench` package, adjoint, and
(optionally) jax and torch, from the project's root, with GRADBENCH_ROOT set to a folder
where GradBench's python/, evals/ and built tools/manual/ are laid out
(/work/shared/gradbench/setup.sh makes both; `make gradbench` calls it).

For each eval and tool it plays the part of GradBench's CLI (`gradbench run`): it starts
both processes and passes each JSON line from one to the other, keeping the tool's
timings and the eval's verdicts. A tool is run on an eval only where it has a module for
it. Times are the fastest of the runs of the derivative function, in milliseconds.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

# eval -> (arguments for a small size, the derivative function(s) whose time is shown)
EVALS = {
    "hello": ("", ["double"]),
    "lse": ("-n 2500", ["gradient"]),
    "llsq": ("-n 1024", ["gradient"]),
    "gmm": ("-d 2 -k 5", ["jacobian"]),
    "ba": ("--min 1 --max 1", ["jacobian"]),
    "ht": ("--min 1 --max 1", ["jacobian"]),
    "lstm": ("-l 2 -c 128", ["jacobian"]),
    "kmeans": ("-k 10 -n 1000 -d 8", ["dir"]),
    "ode": ("-n 1000 -s 10", ["gradient"]),
    "det": ("-l 5", ["gradient"]),
    "particle": ("", ["rr", "rf", "fr", "ff"]),
    "saddle": ("", ["rr", "rf", "fr", "ff"]),
}
SLOW = {"ba": 1}  # runs per evaluation where one run of adjoint's takes about a minute
TOOLS = ["adjoint", "manual", "jax", "pytorch"]


@dataclass
class Outcome:
    """One eval against one tool: each evaluation's function, timings and verdict."""
    tool: str
    eval: str
    defined: bool | None = None
    error: str = ""
    rows: list = field(default_factory=list)  # [function, description, ns list, verdict]

    def valid(self) -> bool:
        return bool(self.defined) and bool(self.rows) and \
            all(r[3] == "valid" for r in self.rows) and not self.error

    def best_ms(self, function: str) -> float | None:
        ns = [t for f, _, times, verdict in self.rows if f == function and verdict == "valid"
              for t in times]
        return min(ns) / 1e6 if ns else None


def root() -> Path:
    value = os.environ.get("GRADBENCH_ROOT")
    if not value or not (Path(value) / "python" / "gradbench").is_dir():
        sys.exit("bench: set GRADBENCH_ROOT to a folder made by GradBench's setup "
                 "(see benchmarks/gradbench/README.md)")
    return Path(value)


def tool_command(tool: str, evaluation: str, gb: Path):
    """(argv, cwd) of a tool, or None when it has no module for this eval."""
    py = sys.executable
    if tool == "adjoint":
        return [py, "-m", "benchmarks.gradbench.tool.run"], PROJECT
    if tool == "manual":
        if not (gb / "tools" / "manual" / f"{evaluation}.cpp").is_file():
            return None
        return [py, str(gb / "python/gradbench/gradbench/cpp.py"), "manual"], gb
    pkg = gb / "python/gradbench/gradbench/tools" / tool
    if not (pkg / f"{evaluation}.py").is_file():
        return None
    return [py, str(pkg / "run.py")], gb


def short_error(text: str) -> str:
    """The exception's line of a traceback (adjoint's errors add a hint after it)."""
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"[\w.]*(Error|Exception|Exit)\b", line):
            return line[:300]
    return lines[-1][:300] if lines else "(no message)"


def run_one(evaluation: str, tool: str, gb: Path, runs: int, timeout: float) -> Outcome:
    """Play gradbench's intermediary between the eval and the tool."""
    out = Outcome(tool, evaluation)
    spec = tool_command(tool, evaluation, gb)
    if spec is None:
        out.error = "no module"
        return out
    args, _ = EVALS[evaluation]
    eval_argv = [sys.executable, str(gb / "python/gradbench/gradbench/evals" / evaluation
                                     / "run.py"), *args.split()]
    if evaluation != "hello":
        eval_argv += ["--min-runs", str(SLOW.get(evaluation, runs)), "--min-seconds", "0"]
    env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                        "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    pipes = dict(stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                 start_new_session=True)
    ev = subprocess.Popen(eval_argv, cwd=gb, **pipes)
    tl = subprocess.Popen(spec[0], cwd=spec[1], **pipes)
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        for p in (ev, tl):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    timer = threading.Timer(timeout, kill)
    timer.start()
    pending = {}  # evaluate message id -> row
    try:
        while True:
            line = ev.stdout.readline()
            if not line:
                break
            message = json.loads(line)
            if message["kind"] == "analysis" and message["of"] in pending:
                row = pending.pop(message["of"])
                row[3] = "valid" if message["valid"] else "invalid"
                if not message["valid"]:
                    out.error = out.error or short_error(message.get("error"))
            tl.stdin.write(line)
            tl.stdin.flush()
            if message["kind"] == "end":
                break
            answer = tl.stdout.readline()
            if not answer:
                out.error = out.error or "the tool exited"
                break
            response = json.loads(answer)
            if message["kind"] == "define":
                out.defined = bool(response.get("success"))
                if not out.defined:
                    out.error = "define: " + short_error(response.get("error"))
            elif message["kind"] == "evaluate":
                ns = [t["nanoseconds"] for t in response.get("timings") or []
                      if t["name"] == "evaluate"]
                row = [message["function"], message.get("description", ""), ns, "?"]
                out.rows.append(row)
                if response.get("success"):
                    pending[message["id"]] = row
                else:
                    row[3] = "failed"
                    out.error = out.error or short_error(response.get("error"))
            ev.stdin.write(answer)
            ev.stdin.flush()
    except (BrokenPipeError, json.JSONDecodeError) as e:
        out.error = out.error or f"{type(e).__name__}: {e}"
    finally:
        timer.cancel()
        for p in (ev, tl):
            for stream in (p.stdin, p.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        for p in (ev, tl):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    if timed_out.is_set():
        out.error = f"timeout after {timeout:.0f} s"
    return out


def cell(outcome: Outcome | None, functions) -> str:
    if outcome is None or outcome.error == "no module":
        return "—"
    times = [outcome.best_ms(f) for f in functions]
    if outcome.valid() and all(t is not None for t in times):
        return " / ".join(f"{t:.3g}" if t < 100 else f"{t:.0f}" for t in times)
    return "timeout" if outcome.error.startswith("timeout") else \
        ("invalid" if any(r[3] == "invalid" for r in outcome.rows) else "fails")


def table(results: dict, tools: list[str]) -> str:
    header = ["eval", "size", "function", "adjoint valid"] + \
        [f"{t} ms" for t in tools]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for evaluation, by_tool in results.items():
        args, functions = EVALS[evaluation]
        mine = by_tool.get("adjoint")
        ok = "—" if mine is None else ("yes" if mine.valid() else "**no**")
        row = [evaluation, f"`{args}`" if args else "", " / ".join(functions), ok] + \
            [cell(by_tool.get(t), functions) for t in tools]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def versions() -> str:
    import numpy
    parts = [f"Python {platform.python_version()}", f"NumPy {numpy.__version__}"]
    for name in ("jax", "torch"):
        try:
            parts.append(f"{name} {__import__(name).__version__}")
        except ImportError:
            pass
    return ", ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evals", nargs="+", default=list(EVALS), choices=list(EVALS))
    parser.add_argument("--tools", nargs="+", default=TOOLS, choices=TOOLS)
    parser.add_argument("--runs", type=int, default=3, help="runs per evaluation")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per eval and tool")
    parser.add_argument("--json", type=Path, help="also write the outcomes there")
    args = parser.parse_args(argv)
    gb = root()
    results: dict = {}
    for evaluation in args.evals:
        for tool in args.tools:
            start = time.monotonic()
            outcome = run_one(evaluation, tool, gb, args.runs, args.timeout)
            results.setdefault(evaluation, {})[tool] = outcome
            if outcome.error != "no module":
                state = "valid" if outcome.valid() else f"NOT VALID: {outcome.error}"
                print(f"{evaluation:>8} {tool:>8}: {state} ({time.monotonic() - start:.0f} s)",
                      file=sys.stderr, flush=True)
    print(table(results, args.tools))
    print(f"\n{platform.machine()}, {os.cpu_count()} cores, {versions()}; "
          f"{time.strftime('%Y-%m-%d')}; fastest of {args.runs} runs "
          f"({', '.join(f'{e}: {n}' for e, n in SLOW.items())}), BLAS single-threaded")
    failures = [f"{e}: {o['adjoint'].error}" for e, o in results.items()
                if "adjoint" in o and not o["adjoint"].valid()]
    if failures:
        print("\nadjoint fails on:\n" + "\n".join(f"- {f}" for f in failures))
    if args.json:
        args.json.write_text(json.dumps(
            {e: {t: o.__dict__ for t, o in by_tool.items()} for e, by_tool in results.items()},
            indent=1))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
