"""Analyses: each reads the normalised function and returns a result; none edits it.
activity (what varies and matters), primitives (what a right-hand side computes),
zero_dim (values proven 0-d), recording (what the forward sweep must save),
loop_facts (one loop iteration), callees (calls of the user's own functions),
aliases and hidden_writes (writes adjoint could not see)."""
