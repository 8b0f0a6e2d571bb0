"""Refuses at the door what no honest client sends, before any view or template sees it:
a Host that is not ours, NUL characters and lone surrogates, JSON nested too deep to parse,
ids in URLs that no database column can hold.

PostgreSQL text cannot hold NUL and UTF-8 cannot encode a lone surrogate (a JSON "\\ud800"),
so a lookup by such a string would fail inside the driver as a 500 instead of answering "not
found" or "invalid". A Host that is not a valid name leaves Flask without a URL adapter, so
the error page itself (its links) would crash: the WSGI layer below swaps it for a name of
ours and marks the request, which is then refused with the usual translated 400.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, abort, request

from ..bounds import INT_MAX, is_clean

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# A DNS name or an IPv4 address, or an IPv6 address in brackets, and an optional port.
_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9-]{1,63})*\.?|\[[0-9a-f:.]{2,45}\])(?::[0-9]{1,5})?$"
)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")
REFUSED_HOST = "checkin.refused_host"


def _holds_bad_text(value) -> bool:
    if isinstance(value, str):
        return not is_clean(value)
    if isinstance(value, dict):
        return any(_holds_bad_text(k) or _holds_bad_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_bad_text(v) for v in value)
    return False


def _name(host: str) -> str:
    """The host without its port, lower case."""
    host = host.lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def allowed_hosts(config) -> frozenset[str] | None:
    """The names this site answers to: CHECKIN_PUBLIC_HOSTS (comma-separated), else the names of
    PUBLIC_URL and SERVER_NAME, plus the loopback names (probes, the benchmarks). None, which
    allows any valid name, while neither PUBLIC_HOSTS nor PUBLIC_URL is set (a demo on a LAN)."""
    configured = config.get("PUBLIC_HOSTS")
    if isinstance(configured, str):
        configured = [name.strip() for name in configured.split(",") if name.strip()]
    if not configured and not config.get("PUBLIC_URL_SET"):
        return None
    names = set(configured or ())
    names.add(urlsplit(config.get("PUBLIC_URL") or "").netloc)
    names.add(config.get("SERVER_NAME") or "")
    return frozenset(_name(name) for name in names if name) | frozenset(LOCAL_HOSTS)


class HostGuard:
    """WSGI middleware (inside any ProxyFix, so it sees the forwarded Host)."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.allowed = allowed_hosts(app.config)
        self.fallback = app.config.get("SERVER_NAME") or "localhost"

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or ""
        if host and (
            not _HOST.match(host.lower()) or (self.allowed is not None and _name(host) not in self.allowed)
        ):
            environ[REFUSED_HOST] = True
            environ["HTTP_HOST"] = self.fallback
        return self.wsgi_app(environ, start_response)


def register(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    if isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app.app = HostGuard(app.wsgi_app.app, app)
    else:
        app.wsgi_app = HostGuard(app.wsgi_app, app)  # type: ignore[method-assign]  # Flask's documented middleware pattern

    @app.before_request
    def refuse_bad_input():
        if request.environ.get(REFUSED_HOST):
            abort(400)
        if "\x00" in request.path:
            abort(404)
        # An id in a URL (<int:...>) that no INTEGER column can hold names nothing.
        if any(isinstance(value, int) and value > INT_MAX for value in (request.view_args or {}).values()):
            abort(404)
        fields = list(request.args.items(multi=True))
        if request.mimetype in _FORM_TYPES:  # a JSON body (every scan) has no form to parse
            fields += request.form.items(multi=True)
        if any(_holds_bad_text(key) or _holds_bad_text(value) for key, value in fields):
            abort(400)
        if request.is_json:
            try:
                if _holds_bad_text(request.get_json(silent=True)):
                    abort(400)
            except RecursionError:  # "[[[[...": the JSON parser gives up without a ValueError
                abort(400)
