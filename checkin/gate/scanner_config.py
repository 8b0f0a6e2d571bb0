"""The scanner page's one configuration, rendered into the page as JSON (#scanner-config) and read
by static/js/scanner/main.js: where to send what, and every word the scanner says by itself, in
the page's language. Its answers decided offline are worded from the server's own table
(scan_messages.SENTENCES), so that the phone and the server say the same thing."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from ..models import Show
from ..web.locale import current_locale
from ..web.scan_messages import scanner_sentences


def _static(filename: str) -> str:
    return url_for("static", filename=filename)


def _words() -> dict[str, str]:
    # "{hole}" marks what the scanner fills in (static/js/gate/words.js).
    return {
        "starting": _("Starting the camera…"),
        "scanning": _("Point the camera at the ticket’s QR code."),
        "cameraError": _(
            "The camera could not start. Allow camera access for this site, or type the code below."
        ),
        "cameraDenied": _(
            "Camera access is blocked for this page. Tap the lock or camera icon by the address, "
            "allow the camera, then tap “Try again”. Meanwhile, type the code below."
        ),
        "cameraMissing": _(
            "No camera found, or another app is using it. Close the other app, then tap “Try again”. "
            "Meanwhile, type the code below."
        ),
        "held": _("Same ticket still in view: already answered. Tap the answer to scan it again."),
        "decoderError": _("The QR reader could not load. Reload the page, or type the code below."),
        "queued": _(
            "No network: the scan is saved and will be sent again. Check the ticket by hand meanwhile."
        ),
        "pending": _("Scans waiting to be sent:"),
        "sent": _("Saved scans have been sent."),
        "error": _("Something went wrong. Please try again."),
        "noResults": _("No ticket found."),
        "admit": _("Let in"),
        "letOut": _("Let out"),
        "under16": _("under 16"),
        "phone": _("phone …"),
        "headGreen": _("Go in"),
        "headAmber": _("Check"),
        "headRed": _("Stop"),
        "headExited": _("Goodbye"),
        "online": _("Online"),
        "offline": _("Offline"),
        "notSaved": _(
            "This phone could not save the scan (storage full or blocked). Check the ticket by hand."
        ),
        "needsNetwork": _("No network: this needs the server. Try again in a moment."),
        "listNone": _("No ticket list on this phone yet: offline, scans are saved but not checked."),
        "listReady": _(
            "Ticket list on this phone: %(count)s tickets, updated %(time)s.", count="{count}", time="{time}"
        ),
        "groupCounts": _("Expected: {expected}. Already in: {inside}."),
        "groupDone": _("Let in now: {admitted}. Already inside: {already}. No room: {full}."),
    }


def scanner_config(show: Show, gate: str, *, title: str, sw_scope: str, page_cache: str) -> dict:
    return {
        "show": show.slug,
        "gate": gate,
        "showTitle": title,
        "lang": current_locale(),
        "csrf": generate_csrf(),
        "pageCache": page_cache,
        "swScope": sw_scope,
        "urls": {
            "scan": url_for("api.create_scan"),
            "manual": url_for("api.create_manual_scan"),
            "undo": url_for("api.undo_scan"),
            "lookup": url_for("api.lookup_tickets"),
            "counters": url_for("api.gate_counters", slug=show.slug, gate=gate),
            "batch": url_for("api.create_scan_batch"),
            "list": url_for("api.gate_list", slug=show.slug),
            "groupLookup": url_for("api.look_up_group"),
            "groupAdmit": url_for("api.admit_group"),
            "decoder": _static("vendor/barcode-detector/ponyfill.js"),
            "wasm": _static("vendor/barcode-detector/zxing_reader.wasm"),
            "noble": _static("vendor/noble-ed25519/index.js"),
            "serviceWorker": url_for("gate.service_worker"),
        },
        "words": _words(),
        "sentences": scanner_sentences(),
    }
