"""Every cookie we set is Secure when the request came over HTTPS, and names a SameSite.

Flask's session cookie, Flask-Login's remember cookie and our own (the language, the gate's
choice) are each set in a different place, some after every after_request hook has run, and
Flask's SESSION_COOKIE_SECURE is one fixed value, while the same app serves plain HTTP on
127.0.0.1 in development and HTTPS behind the proxy. So the rule is kept at the WSGI level,
inside ProxyFix, where the request's scheme is the one the browser used.
"""

from __future__ import annotations


class SecureCookies:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status, headers, exc_info=None):
            return start_response(
                status,
                [
                    (name, _harden(value, secure) if name.lower() == "set-cookie" else value)
                    for name, value in headers
                ],
                exc_info,
            )

        return self.wsgi_app(environ, start)


def _harden(cookie: str, secure: bool) -> str:
    attributes = {part.strip().split("=", 1)[0].lower() for part in cookie.split(";")[1:]}
    if "samesite" not in attributes:
        cookie += "; SameSite=Lax"
    if secure and "secure" not in attributes:
        cookie += "; Secure"
    return cookie
