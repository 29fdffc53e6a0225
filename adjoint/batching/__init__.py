"""vmap: batched functions written as NumPy code for the whole batch.

    api.py        vmap and the batched function object (compiles per argument ranks)
    facts.py      what is known of a value: batched? rank?
    sites.py      what a normalised right-hand side applies, to which operands
    policies/     how each primitive applies to a batch (named in rules/batching.py)
    analysis.py   the facts before every statement (flow-sensitive, with lifts)
    transform.py  the statements rewritten for the batch; control.py: if, for, while
    program.py    the user's functions the batched function calls
    runtime.py    what batched code calls as `batched.<name>`
"""
from .api import vmap

__all__ = ["vmap"]
