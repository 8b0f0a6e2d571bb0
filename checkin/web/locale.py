"""Which language a request is answered in: Vietnamese unless the person chose English."""

from __future__ import annotations

from flask import Flask, request, session

LOCALES = ("vi", "en")


def select_locale() -> str:
    chosen = request.args.get("lang")
    if chosen in LOCALES:
        return chosen
    if session.get("lang") in LOCALES:
        return session["lang"]
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LOCALES) or "vi"
    return "vi"


def current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "vi"


def register(app: Flask) -> None:
    @app.before_request
    def remember_language_choice():
        chosen = request.args.get("lang")
        if chosen in LOCALES and not request.path.startswith("/api/") and session.get("lang") != chosen:
            session["lang"] = chosen

    @app.context_processor
    def locale_globals():
        return {"locale": current_locale()}
