"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # WebAssembly for the scanner's decoder, compiled from our own static files.
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Cacheable: what is the same for everyone and names no person: static files and the festival
# page. Everything else may name someone (a ticket, a volunteer's gate, the attendee lists, the
# console) or is a form with its session's CSRF token: no-store. A rule by exception, so that a
# new page is private until someone decides otherwise.
CACHEABLE_ENDPOINTS = frozenset({"static", "public.index"})
# Always no-store, even when a view set a header: a ticket's secret link and its images, and the
# API (names at the gate, the organisers' numbers).
PRIVATE_PREFIXES = ("/t/", "/api/")
# Except a ticket's QR images: no personal data, kept by the person's own browser only and
# revalidated on each use (ETag, 304; checkin/public/views.py says why).
REVALIDATED_ENDPOINTS = frozenset({"public.ticket_qr_svg", "public.ticket_qr_png"})


def register(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        # Ticket links hold a secret: never hand them to another site in a Referer. (Forms are
        # checked for their origin without one: extensions.SameOriginCSRFProtect.)
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint in REVALIDATED_ENDPOINTS:
            # The ticket's QR images: their view says "private, no-cache" with an ETag.
            headers["Cache-Control"] = "private, no-cache"
        elif request.path.startswith(PRIVATE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        elif request.endpoint not in CACHEABLE_ENDPOINTS:
            # Unless the view chose (the service worker's no-cache): not kept by the browser,
            # a shared phone's back button, or any cache between us and the person.
            headers.setdefault("Cache-Control", "no-store")
        return response
