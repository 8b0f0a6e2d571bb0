"""Where mail goes: an SMTP server (smtp:// or smtps:// URL) or, without one, .eml files in a folder."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Errors after which the message is tried again later; anything else is a bug and propagates.
TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


class SmtpTransport:
    """smtp://user:password@host:port (STARTTLS when the server offers it) or smtps:// (TLS)."""

    def __init__(self, url: str, timeout: float = 20.0):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("MAIL_URL must look like smtp://user:password@host:port or smtps://...")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def send(self, message: EmailMessage, name: str) -> None:
        context = ssl.create_default_context()
        server: smtplib.SMTP  # SMTP_SSL is one
        if self.implicit_tls:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with server:
            server.ehlo()
            if not self.implicit_tls and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            if self.username:
                server.login(self.username, self.password or "")
            server.send_message(message)


class FileTransport:
    """The offline demo: one .eml file per outbox row, written whole or not at all."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def send(self, message: EmailMessage, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(message.as_bytes())
        os.replace(temporary, self.folder / f"{name}.eml")


def transport_for(mail_url: str | None, outbox_path: str, timeout: float = 20.0):
    if mail_url:
        return SmtpTransport(mail_url, timeout)
    return FileTransport(outbox_path)
