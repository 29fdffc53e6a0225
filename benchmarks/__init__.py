"""Gradient benchmarks for adjoint against autograd, JAX, PyTorch and tangent.

Run with `python -m benchmarks` (see `python -m benchmarks --help`).
"""
