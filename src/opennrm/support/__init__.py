"""Victim support: the assistance system's case of a referral, its decisions and services."""
