"""The gradient rule tables. Importing this package registers every rule."""
from . import builtins, linalg, math, numpy, operators, runtime, scipy, shape  # noqa: F401
from .registry import (NonDiff, Rule, all_methods, all_nondiff, all_rules, attribute,
                       binary, defrule, lookup, lookup_attribute, lookup_method, method,
                       nondiff, unary)

__all__ = ["NonDiff", "Rule", "all_methods", "all_nondiff", "all_rules", "attribute",
           "binary", "defrule", "lookup", "lookup_attribute", "lookup_method", "method",
           "nondiff", "unary"]
