"""Ed25519 ticket signatures (invariant 5): keys in the instance folder, forgery, rotation."""
from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from checkin.signing import Keyring, generate_key
from checkin.tickets import sign_payload, verify_payload

# Every character a payload may contain: a substitute always stays inside the QR alphabet,
# so a failure is the signature's doing, not the format check's alone.
PAYLOAD_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ:"


@pytest.fixture
def keyring(tmp_path):
    return Keyring.load_or_create(tmp_path / "keys")


def test_the_first_run_creates_a_private_key_with_a_key_id(tmp_path):
    folder = tmp_path / "keys"
    keyring = Keyring.load_or_create(folder)
    [key_file] = folder.glob("*.ed25519.pem")
    assert key_file.name == f"{keyring.current.kid}.ed25519.pem"
    assert len(keyring.current.kid) == 5
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Keyring.load_or_create(folder).current.kid == keyring.current.kid  # no second key


def test_the_app_keeps_its_keys_in_the_instance_folder(app):
    keyring = app.extensions["checkin_keyring"]
    files = [p.name for p in Path(app.instance_path, "keys").glob("*.ed25519.pem")]
    assert files == [f"{keyring.current.kid}.ed25519.pem"]


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
            forged = payload[:position] + substitute + payload[position + 1:]
            assert verify_payload(forged, keyring) is None, (position, substitute)
            tried += 1
    assert tried == len(payload) * (len(PAYLOAD_ALPHABET) - 1)


def test_a_changed_code_with_an_otherwise_valid_signature_fails(keyring):
    genuine = sign_payload("ABCD2345", keyring)
    version, kid, _, signature = genuine.split(":")
    for code in ("ABCD2346", "BBCD2345", "ABCD234"):
        assert verify_payload(f"{version}:{kid}:{code}:{signature}", keyring) is None


@pytest.mark.parametrize("text", ["", None, "K1", "K1:::", "hello", "K2:AAAAA:ABCDEFGH:" + "A" * 103,
                                  "https://example.com/t/abc"])
def test_garbage_is_not_a_ticket(keyring, text):
    assert verify_payload(text, keyring) is None


def test_a_payload_shortened_or_lengthened_fails(keyring):
    payload = sign_payload("ABCDEFGH", keyring)
    assert verify_payload(payload[:-1], keyring) is None
    assert verify_payload(payload + "A", keyring) is None
    assert verify_payload(payload.lower(), keyring) is None


def test_a_payload_signed_with_another_key_fails(tmp_path, keyring):
    stranger = Keyring.load_or_create(tmp_path / "stranger")
    forged = sign_payload("ABCDEFGH", stranger)
    assert verify_payload(forged, keyring) is None
    # Even when the forger claims our key id.
    _, _, code, signature = forged.split(":")
    assert verify_payload(f"K1:{keyring.current.kid}:{code}:{signature}", keyring) is None


def test_after_a_rotation_the_new_key_signs_and_old_tickets_still_verify(tmp_path):
    folder = tmp_path / "keys"
    keyring = Keyring.load_or_create(folder)
    old_kid = keyring.current.kid
    old_ticket = sign_payload("ABCDEFGH", keyring)
    old_file = folder / f"{old_kid}.ed25519.pem"
    os.utime(old_file, (old_file.stat().st_atime, old_file.stat().st_mtime - 60))
    new_kid = generate_key(folder)
    assert new_kid != old_kid
    rotated = Keyring.load_or_create(folder)
    assert rotated.current.kid == new_kid
    new_ticket = sign_payload("JKMNPQRS", rotated)
    assert new_ticket.split(":")[1] == new_kid
    assert verify_payload(old_ticket, rotated).code == "ABCDEFGH"
    assert verify_payload(new_ticket, rotated).code == "JKMNPQRS"
    # A running process that has not restarted learns the new key when it meets its id.
    assert verify_payload(new_ticket, keyring).code == "JKMNPQRS"
    assert [k["kid"] for k in rotated.public_keys()] == [new_kid, old_kid]


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
