"""The gradient rule tables. Importing this package registers every rule."""
import importlib

from .registry import (NonDiff, Rule, all_methods, all_nondiff, all_rules, attribute,
                       binary, defrule, lookup, lookup_attribute, lookup_method, method,
                       nondiff, unary)

for _table in ("builtins", "linalg", "math", "numpy", "operators", "helpers",
               "helpers_second_order", "records", "scipy", "shape"):  # importing a table registers its rules
    importlib.import_module(f".{_table}", __name__)

__all__ = ["NonDiff", "Rule", "all_methods", "all_nondiff", "all_rules", "attribute",
           "binary", "defrule", "lookup", "lookup_attribute", "lookup_method", "method",
           "nondiff", "unary"]
