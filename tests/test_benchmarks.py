"""The benchmark suite runs (a tiny smoke run; timings are never asserted)."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run_agrees_with_numpy_function():
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.smoke import run_smoke
        results = run_smoke()
    finally:
        sys.path.remove(str(ROOT))
    assert set(results["workloads"]) == {"poly", "scalar_loop"}
    for name, work in results["workloads"].items():
        cell = work["systems"]["adjoint"]
        assert cell["status"] == "ok", (name, cell["status"])
        assert cell["grad"]["median_s"] > 0 and cell["ratio"] > 0
