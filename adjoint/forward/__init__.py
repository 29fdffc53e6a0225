"""Forward mode: a tangent statement beside each primal one (tangents.py)."""
