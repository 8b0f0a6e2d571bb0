"""The deployment's signing keys, kept in the database so that every app server signs and
verifies with the same keys (a server with keys of its own would turn other servers' tickets
`invalid`). Private keys are sealed with the deployment's secret key (signing.seal).

The first key is made on first use, once for the whole deployment: the unique `generation`
lets one of two servers starting together win, and the other reads the winner's key. An older
deployment's instance/keys/*.ed25519.pem are taken over instead, so its tickets stay valid.
Rotation adds a key that signs from then on; retiring a key ends its tickets' validity.
Running servers re-read the keys every REFRESH_SECONDS (and at once for an unknown key id).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Engine, Row
from sqlalchemy.exc import IntegrityError

from . import audit
from .database import transaction, utcnow
from .errors import Conflict, NotFound
from .models import StoredSigningKey
from .signing import Keyring, SealError, SigningKey, from_pem, raw_public, seal, to_pem, unseal

REFRESH_SECONDS = 30.0
# A forged QR may name any key id: a re-read for an unknown one at most this often.
UNKNOWN_KID_REREAD_SECONDS = 1.0
LEGACY_SUFFIX = ".ed25519.pem"
_keys = cast(Table, StoredSigningKey.__table__)  # declared as a FromClause; it is the Table


class WrongSecretKey(RuntimeError):
    def __init__(self):
        super().__init__(
            "The signing keys in the database were sealed with another secret key: this "
            "server's CHECKIN_SECRET_KEY differs from the one the deployment uses. Give every app "
            "server, the mail worker and the command line the same CHECKIN_SECRET_KEY."
        )


class StoredKeyring(Keyring):
    """The active keys of the database, read on first use and refreshed now and then."""

    def __init__(
        self,
        engine: Engine,
        secret: str,
        legacy_folder: Path | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ):
        super().__init__()
        self._engine = engine
        self._secret = secret
        self._legacy_folder = legacy_folder
        self._refresh_seconds = refresh_seconds
        self._loaded_at: float | None = None
        self._unknown_read_at = 0.0
        self._lock = threading.Lock()

    def _due(self, now: float, unknown_kid: str | None) -> bool:
        if self._loaded_at is None:
            return True
        if unknown_kid is not None:
            return now - self._unknown_read_at >= UNKNOWN_KID_REREAD_SECONDS
        return now - self._loaded_at >= self._refresh_seconds

    def _fresh(self, unknown_kid: str | None = None) -> None:
        if not self._due(time.monotonic(), unknown_kid):
            return
        with self._lock:
            now = time.monotonic()
            if not self._due(now, unknown_kid):
                return
            if unknown_kid is not None:
                self._unknown_read_at = now
            self._use(self._read())
            self._loaded_at = now

    def check(self) -> None:
        """Raises unless the keys can be read and opened (the readiness probe)."""
        self._fresh()
        if self._current is None:
            raise LookupError("no signing key")

    def _read(self) -> list[SigningKey]:
        rows = _active_rows(self._engine)
        if not rows:
            _create_first(self._engine, self._secret, self._legacy_folder)
            rows = _active_rows(self._engine)
        return [
            SigningKey(kid, _unseal(sealed, self._secret, kid), generation)
            for kid, generation, sealed in rows
        ]


def _unseal(sealed: bytes, secret: str, kid: str) -> Ed25519PrivateKey:
    try:
        return unseal(sealed, secret, kid)
    except SealError:
        raise WrongSecretKey() from None


def _active_rows(engine: Engine) -> Sequence[Row[str, int, bytes]]:
    with engine.connect() as conn:
        return conn.execute(
            select(_keys.c.kid, _keys.c.generation, _keys.c.sealed_private_key).where(
                _keys.c.retired_at.is_(None)
            )
        ).all()


def _row(private_key: Ed25519PrivateKey, generation: int, secret: str, now: datetime) -> dict:
    key = SigningKey.of(private_key, generation)
    return {
        "kid": key.kid,
        "generation": generation,
        "public_key": raw_public(key.public_key),
        "sealed_private_key": seal(private_key, secret, key.kid),
        "created_at": now,
    }


def legacy_keys(folder: Path | None) -> list[Ed25519PrivateKey]:
    """The keys an older version kept in instance/keys/, oldest first."""
    if folder is None or not folder.is_dir():
        return []
    paths = sorted(folder.glob(f"*{LEGACY_SUFFIX}"), key=lambda p: (p.stat().st_mtime, p.name))
    return [key for path in paths for key in from_pem(path.read_bytes())]


def _create_first(engine: Engine, secret: str, legacy_folder: Path | None) -> None:
    private_keys = legacy_keys(legacy_folder) or [Ed25519PrivateKey.generate()]
    now = utcnow()
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(_keys), [_row(k, rank, secret, now) for rank, k in enumerate(private_keys, 1)]
            )
    except IntegrityError:
        pass  # another process made the first key at the same moment: its keys are the ones


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    generation: int
    created_at: datetime
    retired_at: datetime | None
    signing: bool

    @property
    def state(self) -> str:
        return "retired" if self.retired_at else ("signing" if self.signing else "verifying")


def list_keys(session) -> list[KeyInfo]:
    rows = session.execute(
        select(_keys.c.kid, _keys.c.generation, _keys.c.created_at, _keys.c.retired_at).order_by(
            _keys.c.generation.desc()
        )
    ).all()
    signing = max((r.generation for r in rows if r.retired_at is None), default=None)
    return [KeyInfo(r.kid, r.generation, r.created_at, r.retired_at, r.generation == signing) for r in rows]


def _add(session, private_keys: list[Ed25519PrivateKey], secret: str, now: datetime) -> list[str]:
    """Adds keys above every existing one (the last signs); IntegrityError if another process
    added one at the same moment (the caller's transaction rolls back)."""
    top = session.scalar(select(func.max(_keys.c.generation))) or 0
    rows = [_row(k, top + i, secret, now) for i, k in enumerate(private_keys, 1)]
    session.execute(insert(_keys), rows)
    return [row["kid"] for row in rows]


def rotate(secret: str, *, now: datetime, actor=None) -> str:
    """A new key that signs from now on; older keys keep verifying until retired."""
    try:
        with transaction() as session:
            [kid] = _add(session, [Ed25519PrivateKey.generate()], secret, now)
            audit.record(session, actor, "keys.rotate", "signing_key", kid, None, {"kid": kid}, now)
    except IntegrityError:
        raise Conflict("another rotation happened at the same moment; run it again") from None
    return kid


def retire(kid: str, *, now: datetime, actor=None) -> None:
    """The key stops verifying: tickets it signed become invalid. Not the key that signs."""
    with transaction() as session:
        info = {k.kid: k for k in list_keys(session)}.get(kid)
        if info is None:
            raise NotFound(f"no key {kid}")
        if info.retired_at is not None:
            raise Conflict(f"key {kid} is already retired")
        if info.signing:
            raise Conflict(f"key {kid} signs new tickets: rotate first, then retire it")
        session.execute(update(_keys).where(_keys.c.kid == kid).values(retired_at=now))
        audit.record(session, actor, "keys.retire", "signing_key", kid, None, {"retired_at": now}, now)


def export_pem(session, secret: str) -> bytes:
    """Every active private key as PEM, oldest first (`keys import` reads it back)."""
    rows = session.execute(
        select(_keys.c.kid, _keys.c.sealed_private_key)
        .where(_keys.c.retired_at.is_(None))
        .order_by(_keys.c.generation)
    ).all()
    return b"".join(to_pem(_unseal(sealed, secret, kid)) for kid, sealed in rows)


def import_pem(data: bytes, secret: str, *, now: datetime, actor=None) -> tuple[list[str], list[str]]:
    """Adds the PEM's keys that are not there yet (the last one then signs); returns the key
    ids added and those already present."""
    private_keys = from_pem(data)
    if not private_keys:
        raise NotFound("no Ed25519 private key in the input")
    with transaction() as session:
        present = set(session.scalars(select(_keys.c.kid)))
        new = [k for k in private_keys if SigningKey.of(k).kid not in present]
        added = _add(session, new, secret, now) if new else []
        if added:
            audit.record(
                session, actor, "keys.import", "signing_key", ",".join(added)[:40], None, {"kids": added}, now
            )
    return added, [SigningKey.of(k).kid for k in private_keys if SigningKey.of(k).kid in present]
