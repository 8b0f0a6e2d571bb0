"""The site's icon where browsers and phones look for it without being told: /favicon.ico."""

from __future__ import annotations

from flask import current_app, send_from_directory

from . import bp


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(
        current_app.static_folder,
        "img/favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=7 * 24 * 3600,
    )
