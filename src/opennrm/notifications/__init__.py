"""In-app notifications (e-mail delivery comes with the referral mechanism)."""
