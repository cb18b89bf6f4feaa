"""The national action plan against trafficking and the training that serves it:
objectives, measures and their progress, indicators computed live from the platform's
own data, teaching materials, courses, sessions and attendance."""
