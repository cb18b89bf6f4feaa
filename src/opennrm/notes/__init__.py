"""Case notes: what somebody wrote down, marked as a fact or as an assessment."""
