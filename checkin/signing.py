"""Ed25519 signing keys: generated into the instance folder on first run, rotated by key id.

The newest key signs; every key kept in the folder still verifies, so tickets issued before
a rotation stay valid. Public keys are published at GET /api/v1/keys for offline scanners.
"""
from __future__ import annotations

import base64
import fcntl
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_PRIVATE_SUFFIX = ".ed25519.pem"


def key_id(public_key: Ed25519PublicKey) -> str:
    """Five characters (25 bits) of the public key's hash, in the QR alphanumeric alphabet.

    Short because it is in every QR code; a deployment holds a handful of keys, not millions.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b32encode(hashlib.sha256(raw).digest()[:5]).decode()[:5]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    created: float

    @functools.cached_property  # derived once, not on every scan's verification
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


class Keyring:
    def __init__(self, keys: list[SigningKey], folder: Path | None = None):
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._folder = folder
        self._use(keys)

    def _use(self, keys: list[SigningKey]) -> None:
        self._keys = {k.kid: k for k in keys}
        self.current = max(keys, key=lambda k: (k.created, k.kid))

    @classmethod
    def load_or_create(cls, folder: str | os.PathLike) -> Keyring:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # Several app processes may start at once on a fresh instance: one generates, all share.
        with open(folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            keys = cls._load(folder)
            if not keys:
                generate_key(folder)
                keys = cls._load(folder)
        return cls(keys, folder)

    def reload(self) -> None:
        """Picks up keys added by another process (a rotation) without a restart."""
        if self._folder is not None:
            keys = self._load(self._folder)
            if keys:
                self._use(keys)

    @staticmethod
    def _load(folder: Path) -> list[SigningKey]:
        keys = []
        for path in sorted(folder.glob(f"*{_PRIVATE_SUFFIX}")):
            private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(private_key, Ed25519PrivateKey):
                continue
            keys.append(SigningKey(key_id(private_key.public_key()), private_key, path.stat().st_mtime))
        return keys

    def sign(self, message: bytes) -> tuple[str, bytes]:
        return self.current.kid, self.current.private_key.sign(message)

    def verify(self, kid: str, message: bytes, signature: bytes) -> bool:
        key = self._keys.get(kid)
        if key is None:
            self.reload()
            key = self._keys.get(kid)
        if key is None:
            return False
        try:
            key.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def public_keys(self) -> list[dict]:
        return [
            {
                "kid": k.kid,
                "alg": "Ed25519",
                "public_key": _b64url(
                    k.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                ),
            }
            for k in sorted(self._keys.values(), key=lambda k: (k.created, k.kid), reverse=True)
        ]


def generate_key(folder: str | os.PathLike) -> str:
    """Writes a new private key (mode 0600) and returns its key id.

    The file is created exclusively under a temporary name and then linked into place, so two
    processes starting at once never read a half-written key.
    """
    folder = Path(folder)
    private_key = Ed25519PrivateKey.generate()
    kid = key_id(private_key.public_key())
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = folder / f".{kid}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, folder / f"{kid}{_PRIVATE_SUFFIX}")
    finally:
        tmp.unlink()
    return kid
