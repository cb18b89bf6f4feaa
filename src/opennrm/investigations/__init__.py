"""Investigations: police cases, their persons, stages, consultations with the national
team, cross-border requests, the registry of designated investigators, and
deconfliction between police units."""
