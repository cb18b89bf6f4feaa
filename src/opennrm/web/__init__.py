"""Pages for people: Jinja2 + htmx on GOV.UK Frontend, in Finnish, Swedish and English."""
