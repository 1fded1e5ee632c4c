"""Static publication of the board, the desk and the signed log (SPEC §4)."""
