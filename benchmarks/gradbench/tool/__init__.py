"""adjoint's GradBench tool: one module per eval, each defining the eval's functions.

`python -m benchmarks.gradbench.tool.run` speaks GradBench's JSON-lines protocol on
stdin/stdout. The modules need only NumPy and adjoint (not GradBench's Python package):
`protocol.py` gives them the same two decorators as `gradbench.wrap`.
"""
