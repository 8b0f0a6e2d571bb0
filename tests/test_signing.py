"""Ed25519 ticket signatures (invariant 5): forgery, published keys. The keys' storage in the
database, rotation and retirement: tests/test_keystore.py."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checkin.signing import Keyring
from checkin.tickets import sign_payload, verify_payload

# Every character a payload may contain: a substitute always stays inside the QR alphabet,
# so a failure is the signature's doing, not the format check's alone.
PAYLOAD_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ:"


@pytest.fixture
def keyring():
    return Keyring.generate()


def test_a_genuine_payload_verifies(keyring):
    payload = sign_payload("ABCDEFGH", keyring)
    assert verify_payload(payload, keyring).code == "ABCDEFGH"
    assert verify_payload(payload, keyring).kid == keyring.current.kid


def test_every_single_character_change_fails_verification(keyring):
    payload = sign_payload("ABCD2345", keyring)
    tried = 0
    for position, original in enumerate(payload):
        for substitute in PAYLOAD_ALPHABET:
            if substitute == original:
                continue
            forged = payload[:position] + substitute + payload[position + 1 :]
            assert verify_payload(forged, keyring) is None, (position, substitute)
            tried += 1
    assert tried == len(payload) * (len(PAYLOAD_ALPHABET) - 1)


def test_a_changed_code_with_an_otherwise_valid_signature_fails(keyring):
    genuine = sign_payload("ABCD2345", keyring)
    version, kid, _, signature = genuine.split(":")
    for code in ("ABCD2346", "BBCD2345", "ABCD234"):
        assert verify_payload(f"{version}:{kid}:{code}:{signature}", keyring) is None


@pytest.mark.parametrize(
    "text", ["", None, "K1", "K1:::", "hello", "K2:AAAAA:ABCDEFGH:" + "A" * 103, "https://example.com/t/abc"]
)
def test_garbage_is_not_a_ticket(keyring, text):
    assert verify_payload(text, keyring) is None


def test_a_payload_shortened_or_lengthened_fails(keyring):
    payload = sign_payload("ABCDEFGH", keyring)
    assert verify_payload(payload[:-1], keyring) is None
    assert verify_payload(payload + "A", keyring) is None
    assert verify_payload(payload.lower(), keyring) is None


def test_a_payload_signed_with_another_key_fails(keyring):
    stranger = Keyring.generate()
    forged = sign_payload("ABCDEFGH", stranger)
    assert verify_payload(forged, keyring) is None
    # Even when the forger claims our key id.
    _, _, code, signature = forged.split(":")
    assert verify_payload(f"K1:{keyring.current.kid}:{code}:{signature}", keyring) is None


def test_published_public_keys_verify_a_payload_on_their_own(keyring):
    """What an offline scanner does: only the published key, no private key, no server."""
    payload = sign_payload("ABCDEFGH", keyring)
    [published] = keyring.public_keys()
    assert published["alg"] == "Ed25519" and published["kid"] == keyring.current.kid
    raw = base64.urlsafe_b64decode(published["public_key"] + "=" * (-len(published["public_key"]) % 4))
    assert len(raw) == 32
    message, _, signature = payload.rpartition(":")
    signature_bytes = base64.b32decode(signature + "=" * (-len(signature) % 8))
    Ed25519PublicKey.from_public_bytes(raw).verify(signature_bytes, message.encode("ascii"))
