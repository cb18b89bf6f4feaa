"""Referrals: from a screened signal to the victim assistance system and to the police."""
