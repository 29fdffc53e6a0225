"""Notebook cells and REPL inputs as places in messages: `Cell In[3]` (IPython's own
name for a cell in its tracebacks) instead of the kernel's temporary file name.

IPython compiles each cell under a file name of its own (`/tmp/ipykernel_<pid>/<hash>.py`
in a Jupyter kernel, `<ipython-input-3-<hash>>` in older terminal IPythons) and keeps
the cell's source in `linecache` and the file -> execution count map on its compiler,
so the source of a function defined in a cell can be read, and its place named.
A leaf module: it imports nothing of adjoint.
"""
from __future__ import annotations

import os
import re
import sys

_INPUT = re.compile(r"<ipython-input-(\d+)-")


def cell(filename: str) -> int | None:
    """The execution count of the IPython cell compiled under `filename`, or None."""
    match = _INPUT.match(filename or "")
    if match:
        return int(match.group(1))
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and \
        hasattr(ipython, "get_ipython") else None
    names = getattr(getattr(shell, "compile", None), "_filename_map", None)
    if isinstance(names, dict) and filename in names:
        return names[filename]
    return None


def label(filename: str) -> str | None:
    """`Cell In[3]` for a notebook cell, else None."""
    n = cell(filename)
    return None if n is None else f"Cell In[{n}]"


def short(filename: str) -> str:
    """The name a reader knows `filename` by: `Cell In[3]`, or its base name."""
    return label(filename) or os.path.basename(filename)
