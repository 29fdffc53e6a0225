"""Command line: `python -m benchmarks [--quick] [--only ...] [--systems ...]`."""
from __future__ import annotations

import argparse
import os
import sys
import time

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads(argv):
    """Apply --threads (default 1) through the environment, before NumPy, torch
    and JAX are imported: multithreaded BLAS on a busy 2-core machine stalls
    (a 64x784x128 matmul went from 0.2 ms to 40 ms). Variables already set win."""
    n = "1"
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            n = argv[i + 1]
        elif arg.startswith("--threads="):
            n = arg.split("=", 1)[1]
    if n.strip() not in ("", "0"):
        for var in THREAD_VARS:
            os.environ.setdefault(var, n)
        if n == "1":
            os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")


os.environ.setdefault("JAX_PLATFORMS", "cpu")      # no accelerator probing noise
if __name__ == "__main__":
    pin_threads(sys.argv[1:])

from . import report, runner                      # noqa: E402
from . import systems as sysmod                   # noqa: E402
from . import workloads as wlmod                  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(__file__), "results", "latest.json")


def _names(text, known, what):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown)}; choose from {', '.join(known)}")
    return names


def parse_args(argv):
    workloads = [w.name for w in wlmod.WORKLOADS]
    systems = [s.name for s in sysmod.ALL]
    p = argparse.ArgumentParser(prog="python -m benchmarks",
                                description="Gradient benchmarks: adjoint vs peers.")
    p.add_argument("--quick", action="store_true",
                   help="3 short repeats per measurement (smoke test)")
    p.add_argument("--only", default=",".join(workloads),
                   type=lambda t: _names(t, workloads, "workload"),
                   help="comma-separated workloads (default: all): "
                        + ",".join(workloads))
    p.add_argument("--systems", default=",".join(systems),
                   type=lambda t: _names(t, systems, "system"),
                   help="comma-separated systems (default: all): " + ",".join(systems))
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP/XLA threads (default 1; 0 = library default); "
                        "only effective from the command line")
    p.add_argument("--out", default=DEFAULT_OUT, help="JSON output path")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()

    def progress(msg):
        print(msg, file=sys.stderr, flush=True)

    results = runner.run_suite(args.only, args.systems, args.quick, progress)
    results["meta"]["wall_s"] = round(time.perf_counter() - start, 2)
    results["meta"]["threads"] = {v: os.environ.get(v) for v in THREAD_VARS + ("XLA_FLAGS",)}
    print(report.render(results))
    report.write_json(results, args.out)
    print(f"\nwrote {args.out} in {results['meta']['wall_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
