"""Code generation: node builders (ir.py), rule templates (template.py), names
(naming.py), unparsing and loading the module (emit.py), gast/ast conversion
(ast_convert.py) and mapping a generated line back to the user's (tracebacks.py)."""
