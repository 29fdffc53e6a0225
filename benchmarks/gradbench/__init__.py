"""adjoint as a GradBench tool (`tool/`), and a runner that compares it with GradBench's
reference and peer tools (`bench.py`). See README.md."""
