"""Web plumbing shared by the blueprints: errors to HTML/JSON, headers, locale, logs, sessions."""
