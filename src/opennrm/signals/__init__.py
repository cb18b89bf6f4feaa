"""Signals: intake of what partners saw, consent and shares."""
