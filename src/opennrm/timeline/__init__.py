"""One chronological view of a signal and of what came of it."""
