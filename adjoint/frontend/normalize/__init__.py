"""Normalisation to A-normal form: one operation per statement over names and
constants. statements.py drives it; expressions.py, loops.py and comprehensions.py
lower their constructs."""
