"""The scanner page and the show-and-gate picker, and what makes the scanner an installable app
that starts without network: its web app manifest and its service worker. The scanner itself
talks to /api/v1 (scans, the offline gate list)."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from flask import current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from ..admission import GATE_MAX
from ..database import utcnow
from ..extensions import db
from ..gate_lookup import choose_gate
from ..models import Show
from ..shows import find_gate, list_shows, to_local
from ..web.locale import LOCALES, current_locale
from ..web.staff_session import page_staff_required
from . import bp
from .scanner_config import scanner_config

# The device keeps its show and gate: a phone handed over at a shift change stays set up.
CHOICE_COOKIE = "checkin_gate"
CHOICE_MAX_AGE = 7 * 24 * 3600

# The service worker controls the scanner page "/gate" itself: a scope of "/gate/" would not.
SW_SCOPE = "/gate"
# The scanner page's cached copy; a cache of its own, so that signing out can drop it alone.
PAGE_CACHE = "checkin-gate-page"
# What the scanner needs to start and decide with no network (static/, relative). Every module
# under js/scanner/ and js/gate/ is included, so a new one cannot be forgotten.
OFFLINE_FILES = (
    "css/app.css",
    "css/gate.css",
    "js/scanner/*.js",
    "js/gate/*.js",
    "vendor/barcode-detector/ponyfill.js",
    "vendor/barcode-detector/zxing-exported.js",
    "vendor/barcode-detector/zxing_reader.wasm",
    "vendor/noble-ed25519/index.js",
    "icons/gate-192.png",
    "icons/gate-512.png",
)


class GateChoiceForm(FlaskForm):
    show = HiddenField(validators=[DataRequired(), Length(max=40)])
    gate = HiddenField(validators=[DataRequired(), Length(max=GATE_MAX)])


def _choice() -> tuple[Show, str] | None:
    """The device's saved choice, if it still names a show and one of its gates."""
    saved = parse_qs(request.cookies.get(CHOICE_COOKIE, ""))
    slug, gate = saved.get("show", [""])[0], saved.get("gate", [""])[0]
    found = find_gate(db.session, slug, gate) if slug else None
    if found is None:
        return None
    return found.show, gate


@bp.get("/gate")
@page_staff_required("volunteer")
def index():
    choice = _choice()
    if choice is None:
        return redirect(url_for("gate.setup"))
    show, gate = choice
    if (g.staff.gate_show_id, g.staff.gate_label) != (show.id, gate):
        # The phone's saved gate is the volunteer's gate now (lookups and the list follow it).
        choose_gate(g.staff.id, show.slug, gate, now=utcnow())
    title = show.title(current_locale())
    return render_template(
        "gate/scanner.html",
        show=show,
        gate=gate,
        title=title,
        config=scanner_config(show, gate, title=title, sw_scope=SW_SCOPE, page_cache=PAGE_CACHE),
    )


def _offline_files() -> list[Path]:
    static = Path(current_app.static_folder or "static")
    return sorted(path for pattern in OFFLINE_FILES for path in static.glob(pattern) if path.is_file())


@lru_cache(maxsize=8)
def _digest(stamps: tuple) -> str:
    hashed = hashlib.sha256()
    for path, _size, _mtime in stamps:
        hashed.update(path.encode())
        hashed.update(Path(path).read_bytes())
    return hashed.hexdigest()[:16]


def offline_version(files: list[Path]) -> str:
    """A digest of the files' contents: the worker's cache is named by it, so any change to a file
    makes a new worker (its bytes differ), which fetches everything afresh and drops the old cache.
    Recomputed only when a file's size or time changes."""
    stamps = ((str(path), path.stat()) for path in files)
    return _digest(tuple((path, stat.st_size, stat.st_mtime_ns) for path, stat in stamps))


@bp.get("/gate/sw.js")
def service_worker():
    """Public, like any static file: it names only static files and the page's address."""
    files = _offline_files()
    static = Path(current_app.static_folder or "static")
    urls = [url_for("static", filename=path.relative_to(static).as_posix()) for path in files]
    urls += [url_for("gate.manifest", locale=locale) for locale in LOCALES]
    body = render_template(
        "gate/sw.js",
        version=offline_version(files),
        files=urls,
        page=url_for("gate.index"),
        page_cache=PAGE_CACHE,
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Service-Worker-Allowed"] = SW_SCOPE
    # Browsers check for a new worker on every visit; no cache in between may hold an old one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/gate/manifest.webmanifest")
def manifest():
    """Public: browsers fetch a manifest without the session's cookie, so the page names its
    language in `locale` (not `lang`, which would also change the session's language)."""
    locale = request.args.get("locale")
    with force_locale(locale if locale in LOCALES else current_locale()):
        body = _manifest()
    response = make_response(json.dumps(body, ensure_ascii=False))
    response.headers["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


def _manifest() -> dict:
    return {
        "name": _("Không Một Mình – gate scanner"),
        "short_name": _("Gate scanner"),
        "description": _("Scan tickets at the gate, with or without network."),
        "lang": current_locale(),
        "start_url": url_for("gate.index"),
        "scope": SW_SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#000000",
        "theme_color": "#111111",
        "icons": [
            {
                "src": url_for("static", filename=f"icons/gate-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ],
    }


@bp.route("/gate/setup", methods=["GET", "POST"])
@page_staff_required("volunteer")
def setup():
    form = GateChoiceForm()
    if form.validate_on_submit():
        gate = find_gate(db.session, form.show.data, form.gate.data)
        if gate is not None:
            choose_gate(g.staff.id, form.show.data, gate.label, now=utcnow())
            response = make_response(redirect(url_for("gate.index"), code=303))
            response.set_cookie(
                CHOICE_COOKIE,
                urlencode({"show": form.show.data, "gate": gate.label}),
                max_age=CHOICE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
            )
            return response
        form.gate.errors = ["unknown_gate"]
    current = _choice()
    status = 400 if form.errors else 200
    return render_template(
        "gate/setup.html",
        form=form,
        shows=list_shows(db.session),
        locale_title=current_locale(),
        current=current,
        to_local=to_local,
        page_cache=PAGE_CACHE,
    ), status
