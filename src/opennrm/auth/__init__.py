"""Identity: organisations, users, roles, sessions, tokens, MFA."""
