"""Errors of the signal domain are the shared domain errors; nothing signal-specific yet."""

from opennrm.errors import Conflict, Forbidden, Invalid, NotFound

__all__ = ["Conflict", "Forbidden", "Invalid", "NotFound"]
