"""The front end: read the user's function (parse), check it stays inside the subset
adjoint differentiates (fence), lower jumps to flags (jumps), and normalise it to one
operation per statement (normalize/)."""
