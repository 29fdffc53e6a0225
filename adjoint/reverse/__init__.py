"""Reverse mode: the forward sweep with its saves and the adjoint sweep.
planning.py decides what each statement's adjoint reads, sweeps.py walks the
statements, control.py handles branches and loops, containers.py and
container_sweeps.py handle writes into lists, dicts and arrays, adjoint_state.py
tracks which adjoints exist, assemble.py builds the generated functions."""
