"""Ticket identity: codes, link tokens, and QR images that an independent decoder (ZXing-C++)
reads back to exactly the signed payload, with no personal data in it."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from checkin import tickets
from checkin.signing import Keyring
from tests.support.factories import make_show, person
from tests.support.registering import registered

zxingcpp_formats = zxingcpp.BarcodeFormat.QRCode


@pytest.fixture
def keyring(tmp_path):
    return Keyring.generate()


def decode(image: Image.Image):
    [result] = zxingcpp.read_barcodes(image, formats=zxingcpp_formats)
    return result


def svg_to_image(svg: str, scale: int = 8) -> Image.Image:
    """Rasterises qrcode's SvgPathImage: a viewBox and a path of unit squares "Mx,yH..V..H..z"."""
    width, height = (int(float(v)) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    image = Image.new("L", (width * scale, height * scale), 255)
    pixels = image.load()
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    squares = re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", path)
    assert squares, "unexpected SVG path shape"
    for x0, y0, x1, y1 in squares:
        for x in range(int(x0) * scale, int(x1) * scale):
            for y in range(int(y0) * scale, int(y1) * scale):
                pixels[x, y] = 0
    return image


def test_codes_are_eight_unambiguous_letters_and_digits():
    codes = {tickets.new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", c) for c in codes)


@pytest.mark.parametrize("typed", ["ABCD-EFGH", "abcd efgh", " abcdefgh ", "Abcd-Efgh"])
def test_a_typed_code_is_read_in_any_case_with_spaces_or_dashes(typed):
    assert tickets.parse_code(typed) == "ABCDEFGH"
    assert tickets.format_code("ABCDEFGH") == "ABCD-EFGH"


@pytest.mark.parametrize("typed", ["", "ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGI", None])
def test_impossible_codes_are_none(typed):
    assert tickets.parse_code(typed) is None


def test_link_tokens_carry_at_least_128_random_bits():
    token_list = [tickets.new_token() for _ in range(200)]
    assert len(set(token_list)) == 200
    assert all(len(t) * 6 >= 128 and re.fullmatch(r"[A-Za-z0-9_\-]+", t) for t in token_list)


def test_the_payload_holds_only_version_key_id_code_and_signature(keyring):
    payload = tickets.sign_payload("ABCDEFGH", keyring)
    version, kid, code, signature = payload.split(":")
    assert (version, kid, code) == ("K1", keyring.current.kid, "ABCDEFGH")
    assert re.fullmatch(r"[A-Z2-7]{103}", signature)
    assert len(payload) == 121


def test_the_png_decodes_to_exactly_the_payload_as_a_version_5_m_symbol(keyring):
    payload = tickets.sign_payload("ABCDEFGH", keyring)
    png = tickets.qr_png(payload)
    assert png.startswith(b"\x89PNG")
    result = decode(Image.open(io.BytesIO(png)))
    assert result.text == payload
    # The size we chose: version 5 (37x37 modules) at error correction M (15% restorable).
    assert result.extra["Version"] == "5" and result.extra["ECLevel"] == "M"
    assert tickets.qr_version(payload) == 5
    assert Image.open(io.BytesIO(png)).size == ((37 + 2 * 4) * 10,) * 2


def test_the_svg_decodes_to_exactly_the_payload(keyring):
    payload = tickets.sign_payload("JKMNPQRS", keyring)
    svg = tickets.qr_svg(payload)
    assert svg.startswith("<svg") and 'viewBox="0 0 45 45"' in svg
    assert decode(svg_to_image(svg)).text == payload


def test_a_smaller_png_still_decodes(keyring):
    payload = tickets.sign_payload("ABCDEFGH", keyring)
    assert decode(Image.open(io.BytesIO(tickets.qr_png(payload, box_size=3)))).text == payload


def test_a_registered_ticket_qr_has_none_of_the_persons_data(app, client):
    make_show(app, "demo")
    values = person(7, name="Lê Thị Hoa", email="hoa.le@example.com", phone="0987 123 456", birth_year=2005)
    url = registered(client, "demo", values)["ticket_url"]
    token = url.rsplit("/", 1)[1]
    payload = decode(Image.open(io.BytesIO(client.get(f"/t/{token}/qr.png").data))).text
    svg_payload = decode(svg_to_image(client.get(f"/t/{token}/qr.svg").get_data(as_text=True))).text
    assert payload == svg_payload
    with app.app_context():
        verified = tickets.verify_payload(payload, app.extensions["checkin_keyring"])
        from checkin.extensions import db
        from checkin.registration import ticket_by_token

        ticket = ticket_by_token(db.session, token)
        assert verified.code == ticket.code
    # Only strings that cannot occur by chance in base32 or a ticket code (a 3-letter word can).
    for secret in ("Lê", "Hoa", "hoa.le", "HOA.LE", "987123456", "2005", token):
        assert secret not in payload
