"""Reproducible evidence that OpenNRM holds: fuzzing, attack tools, load, crashes and restore
drills. Each module is a command (`uv run python -m checks.<name> --help`) that prints the
figures recorded in `docs/reliability.md`; the short versions run in the test suite."""
