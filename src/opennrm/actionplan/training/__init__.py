"""Training and teaching materials: a versioned library, courses, sessions, attendance
and coverage. Coverage feeds the action plan's indicators."""
