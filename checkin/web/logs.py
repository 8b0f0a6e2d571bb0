"""Keeps one-time and lasting secrets of URLs out of the logs: the ticket token in /t/<token>
the phone-pairing code in /pair/<code>, a school group's
link /g/<token> and a guardian's consent link /c/<token> are replaced before anything is written, in the
app's own log and in gunicorn's access and error logs alike."""

from __future__ import annotations

import logging
import re

from flask import Flask

_SECRET_PATH = re.compile(r"/(t|pair|g|c)/[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    return _SECRET_PATH.sub(r"/\1/<redacted>", text)


class RedactUrlSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            # gunicorn's access log passes its atoms as a dict of its own class (missing atoms
            # print as "-"): changed in place, so that the class and its behaviour stay.
            for key, value in record.args.items():
                if isinstance(value, str):
                    record.args[key] = redact(value)
        elif record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def register(app: Flask) -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactUrlSecrets) for f in logger.filters):
            logger.addFilter(RedactUrlSecrets())
