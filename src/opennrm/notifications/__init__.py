"""In-app notifications, and the e-mail that tells a user one is waiting (no content)."""
