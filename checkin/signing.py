"""Ed25519 signing keys: the keyring that signs and verifies, and the sealing of private keys.

The newest key (highest rank) signs; every key on the ring still verifies, so tickets issued
before a rotation stay valid until their key is retired. Public keys are published at
GET /api/v1/keys for offline scanners. Where the keys are kept is keystore.py's business.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def key_id(public_key: Ed25519PublicKey) -> str:
    """Five characters (25 bits) of the public key's hash, in the QR alphanumeric alphabet.

    Short because it is in every QR code; a deployment holds a handful of keys, not millions.
    """
    return base64.b32encode(hashlib.sha256(raw_public(public_key)).digest()[:5]).decode()[:5]


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    rank: int  # the newest key has the highest rank and signs

    @classmethod
    def of(cls, private_key: Ed25519PrivateKey, rank: int = 0) -> SigningKey:
        return cls(key_id(private_key.public_key()), private_key, rank)

    @functools.cached_property  # derived once, not on every scan's verification
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


class Keyring:
    """Keys in memory. Subclasses that load keys from elsewhere override _fresh()."""

    def __init__(self, keys: list[SigningKey] | None = None):
        self._keys: dict[str, SigningKey] = {}
        self._current: SigningKey | None = None
        if keys:
            self._use(keys)

    @classmethod
    def generate(cls) -> Keyring:
        """A ring of one new key: a stranger's or a forger's in tests, a scratch signer."""
        return cls([SigningKey.of(Ed25519PrivateKey.generate())])

    def _use(self, keys: list[SigningKey]) -> None:
        # Two assignments a reader on another thread may see apart: each alone is consistent.
        self._keys = {k.kid: k for k in keys}
        self._current = max(keys, key=lambda k: (k.rank, k.kid)) if keys else None

    def _fresh(self, unknown_kid: str | None = None) -> None:
        """Hook: bring the keys up to date (unknown_kid: a ticket names a key we do not hold)."""

    @property
    def current(self) -> SigningKey:
        self._fresh()
        if self._current is None:
            raise LookupError("no signing key")
        return self._current

    def verify(self, kid: str, message: bytes, signature: bytes) -> bool:
        self._fresh()
        key = self._keys.get(kid)
        if key is None:
            self._fresh(unknown_kid=kid)
            key = self._keys.get(kid)
        if key is None:
            return False
        try:
            key.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def public_keys(self) -> list[dict[str, str]]:
        self._fresh()
        return [
            {"kid": k.kid, "alg": "Ed25519", "public_key": _b64url(raw_public(k.public_key))}
            for k in sorted(self._keys.values(), key=lambda k: (k.rank, k.kid), reverse=True)
        ]


# Private keys rest sealed with AES-256-GCM under a key derived from the deployment's secret
# key, their key id as associated data (a sealed key moved to another row does not open).
_SEAL_INFO = b"checkin signing keys v1"
_NONCE_BYTES = 12


class SealError(Exception):
    """A sealed private key that this secret key does not open."""


def _sealing_key(secret: str) -> AESGCM:
    return AESGCM(
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(secret.encode())
    )


def seal(private_key: Ed25519PrivateKey, secret: str, kid: str) -> bytes:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _sealing_key(secret).encrypt(nonce, raw, kid.encode())


def unseal(sealed: bytes, secret: str, kid: str) -> Ed25519PrivateKey:
    try:
        raw = _sealing_key(secret).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], kid.encode())
    except InvalidTag:
        raise SealError(kid) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def to_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def from_pem(data: bytes) -> list[Ed25519PrivateKey]:
    """Every Ed25519 private key in a PEM text (one or several blocks); others are skipped."""
    keys = []
    marker = b"-----END PRIVATE KEY-----"
    for block in data.split(marker):
        if b"-----BEGIN PRIVATE KEY-----" not in block:
            continue
        key = serialization.load_pem_private_key(block.strip() + b"\n" + marker + b"\n", password=None)
        if isinstance(key, Ed25519PrivateKey):
            keys.append(key)
    return keys
