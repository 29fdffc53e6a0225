"""The gradient rule tables. Importing this package registers every rule."""
import importlib

from .registry import (Expansion, NonDiff, Rule, all_expansions, all_methods, all_nondiff,
                       all_rules, attribute, batch, binary, defrule, expands, lookup,
                       lookup_attribute, lookup_expansion, lookup_method, method, nondiff,
                       unary)

for _table in ("builtins", "linalg", "decompositions", "math", "numpy", "operators",
               "helpers", "helpers_second_order", "helpers_linalg", "records", "scipy",
               "shape"):  # importing a table registers its rules
    importlib.import_module(f".{_table}", __name__)
importlib.import_module(".batching", __name__)  # (last: it sets a field of rules above)

__all__ = ["Expansion", "NonDiff", "Rule", "all_expansions", "all_methods", "all_nondiff",
           "all_rules", "attribute", "batch", "binary", "defrule", "expands", "lookup",
           "lookup_attribute", "lookup_expansion", "lookup_method", "method", "nondiff",
           "unary"]
