"""The gradient rule tables. Importing this package registers every rule."""
from . import builtins, math, numpy, operators, runtime  # noqa: F401  (registers)
from .registry import (NonDiff, Rule, all_methods, all_nondiff, all_rules, attribute,
                       binary, defrule, lookup, lookup_attribute, lookup_method, method,
                       nondiff, unary)

__all__ = ["NonDiff", "Rule", "all_methods", "all_nondiff", "all_rules", "attribute",
           "binary", "defrule", "lookup", "lookup_attribute", "lookup_method", "method",
           "nondiff", "unary"]
