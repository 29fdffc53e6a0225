"""A fast end-to-end check of the benchmark machinery, for the test suite.

`run_smoke()` runs the equivalent of
`python -m benchmarks --quick --systems numpy,adjoint --only poly,scalar_loop`
without printing or writing files, and returns the results dict.
"""
from __future__ import annotations

from . import runner

SMOKE_WORKLOADS = ("poly", "scalar_loop")
SMOKE_SYSTEMS = ("numpy", "adjoint")


def run_smoke(workloads=SMOKE_WORKLOADS, systems=SMOKE_SYSTEMS):
    """Quick-mode results for two tiny workloads (an unsupported cell is not an error)."""
    return runner.run_suite(list(workloads), list(systems), quick=True)


if __name__ == "__main__":
    import json
    print(json.dumps(run_smoke(), indent=2, default=str))
