"""Registering through the form and the API: one ticket per person (invariant 4), bad input
refused field by field with nothing written (invariant 8), and the registration window."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.factories import make_show, person
from tests.support.registering import confirm_link, registered
from tests.support.web import csrf_token

API = "/api/v1/shows/demo/registrations"
FORM = "/shows/demo/register"


def counts(app, slug="demo") -> tuple[int, int]:
    """(tickets of the show in the database, the show's issued_count)."""
    from checkin.extensions import db
    from checkin.models import Show, Ticket

    with app.app_context():
        show = db.session.scalar(select(Show).where(Show.slug == slug))
        rows = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.show_id == show.id))
        issued = show.issued_count
        db.session.remove()
    return rows, issued


def stored_tickets(app):
    from checkin.extensions import db
    from checkin.models import Ticket

    with app.app_context():
        rows = [
            (t.name, t.email, t.phone, t.status, t.consent_version, t.consent_at is not None)
            for t in db.session.scalars(select(Ticket).order_by(Ticket.id))
        ]
        db.session.remove()
    return rows


def form_data(client, values: dict, path=FORM) -> dict:
    """The form's fields as a browser posts them, with the session's CSRF token from `path`."""
    data = {k: ("y" if v is True else v) for k, v in values.items() if v not in (False, None)}
    data["csrf_token"] = csrf_token(client, path)
    return data


# --- one person, one ticket -------------------------------------------------------------


def test_the_api_holds_a_seat_with_the_stored_consent(app, client):
    from checkin.personal_data import PRIVACY_NOTICE_VERSION

    make_show(app, "demo")
    response = client.post(API, json=person(1))
    assert response.status_code == 202 and response.json == {"status": "pending", "hold_minutes": 30}
    [(name, email, phone, status, version, consented)] = stored_tickets(app)
    assert (name, email, phone, status, version, consented) == (
        "Nguyễn Văn 1",
        "ban1@example.com",
        "+84912000001",
        "issued",
        PRIVACY_NOTICE_VERSION,
        True,
    )
    assert counts(app) == (1, 1)


def test_the_form_sends_the_person_to_their_e_mail_and_its_link_to_the_ticket(app, client):
    make_show(app, "demo")
    response = client.post(FORM, data=form_data(client, person(2)))
    assert response.status_code == 303 and response.headers["Location"] == "/shows/demo/registered"
    assert "/t/" not in client.get(response.headers["Location"]).get_data(as_text=True)
    page = client.get(confirm_link(app, person(2)["email"])).get_data(as_text=True)
    assert "Nguyễn Văn 2" in page and "<svg" in page
    assert counts(app) == (1, 1)


@pytest.mark.parametrize(
    "first,again",
    [
        ({"phone": "0912 345 678"}, {"phone": "+84912345678", "email": "other@example.com"}),
        ({"phone": "0912 345 678"}, {"phone": "84-912-345-678", "email": "other@example.com"}),
        ({"phone": "+84912345678"}, {"phone": "0912.345.678", "email": "other@example.com"}),
        ({"email": "An@Example.com"}, {"email": "an@example.com", "phone": "0987 654 321"}),
        ({"email": "an@example.com"}, {"email": " AN@EXAMPLE.COM ", "phone": "0987 654 321"}),
    ],
)
def test_a_repeat_registration_gets_no_second_ticket_whatever_the_spelling(app, client, first, again):
    """Same phone (other e-mail) or same e-mail (other phone): the same person, who is answered
    as anyone is; the first registration's holder gets the notice."""
    make_show(app, "demo")
    assert client.post(API, json=person(1, **first)).status_code == 202
    second = client.post(API, json=person(2, **again))
    assert second.status_code == 202
    assert counts(app) == (1, 1)
    from checkin.extensions import db
    from checkin.models import OutboxMessage

    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all() == [
            "confirm",
            "notice",
        ]


def test_names_typed_with_combining_or_precomposed_accents_are_stored_identically(app, client):
    make_show(app, "demo")
    client.post(API, json=person(1, name=unicodedata.normalize("NFD", "Nguyễn Ánh")))
    client.post(API, json=person(2, name=unicodedata.normalize("NFC", "Nguyễn Ánh")))
    names = [row[0] for row in stored_tickets(app)]
    assert names[0] == names[1] == unicodedata.normalize("NFC", "Nguyễn Ánh")
    assert names[0].encode() == names[1].encode()


def test_a_duplicate_reveals_nothing_of_the_existing_ticket(app, client):
    make_show(app, "demo")
    first = registered(client, "demo", person(1, name="Trần Bí Mật"))
    token = first["token"]
    api = client.post(API, json=person(1, name="Người Khác"))
    form = client.post(FORM, data=form_data(client, person(1, name="Người Khác")))
    assert api.status_code == 202 and form.status_code == 303
    for text in (
        api.get_data(as_text=True),
        form.get_data(as_text=True),
        client.get(form.headers["Location"]).get_data(as_text=True),
    ):
        assert first["code"] not in text and "-".join((first["code"][:4], first["code"][4:])) not in text
        assert token not in text and "Trần Bí Mật" not in text and "/t/" not in text
    assert counts(app) == (1, 1)


def test_the_same_person_may_register_for_each_show(app, client):
    make_show(app, "demo")
    make_show(app, "other")
    assert registered(client, "demo", person(1))["status"] == "issued"
    assert registered(client, "other", person(1))["status"] == "issued"


def test_a_full_show_refuses_clearly_and_writes_nothing(app, client):
    make_show(app, "demo", quota=1)
    assert client.post(API, json=person(1)).status_code == 202
    full = client.post(API, json=person(2))
    assert full.status_code == 409 and full.json["error"]["code"] == "full"
    # A form fetched before the last seat went, submitted after.
    page = client.post(FORM, data=form_data(client, person(3), path="/login"))
    assert page.status_code == 409
    assert "Rất tiếc, chương trình đã hết vé" in page.get_data(as_text=True)
    assert counts(app) == (1, 1)


# --- bad input --------------------------------------------------------------------------

BAD_VALUES = [
    ("name", "", "required"),
    ("name", "x" * 101, "too_long"),
    ("name", "An\x07Bình", "control_characters"),
    ("name", "😀😀😀", "not_a_name"),
    ("email", "not-an-email", "invalid_email"),
    ("email", "an@@example.com", "invalid_email"),
    ("phone", "12", "invalid_phone"),
    ("phone", "0912 345 67x", "invalid_phone"),
    ("birth_year", "20x4", "invalid_birth_year"),
    ("consent", False, "consent_required"),
]
VIETNAMESE = {
    "required": "Vui lòng điền vào ô này.",
    "invalid_email": "Địa chỉ e-mail chưa đúng",
    "invalid_phone": "Số điện thoại chưa đúng",
}


@pytest.mark.parametrize("field,value,code", BAD_VALUES)
def test_the_api_answers_bad_input_with_422_and_the_field(app, client, field, value, code):
    make_show(app, "demo")
    response = client.post(API, json=person(1, **{field: value}))
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid" and error["field_codes"] == {field: code}
    assert error["fields"][field]
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("field,value,code", BAD_VALUES)
def test_the_form_shows_a_translated_message_next_to_the_field(app, client, field, value, code):
    from checkin.web.messages import field_message

    make_show(app, "demo")
    response = client.post(FORM, data=form_data(client, person(1, **{field: value})))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    with app.test_request_context("/?lang=vi"):
        message = field_message(code)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in html.replace("&#39;", "'")
    if code in VIETNAMESE:
        assert VIETNAMESE[code] in html
    assert 'aria-invalid="true"' in html
    assert counts(app) == (0, 0)


def test_the_form_keeps_what_was_typed(app, client):
    make_show(app, "demo")
    html = client.post(FORM, data=form_data(client, person(1, phone="12"))).get_data(as_text=True)
    assert 'value="ban1@example.com"' in html and 'value="Nguyễn Văn 1"' in html


def test_under_16_without_a_guardian_is_refused_on_both_paths(app, client, now):
    make_show(app, "demo")
    child = person(1, birth_year=now.year - 14)
    api = client.post(API, json=child)
    assert api.status_code == 422
    assert api.json["error"]["field_codes"] == {
        "guardian_name": "required",
        "guardian_consent": "guardian_consent_required",
    }
    form = client.post(FORM, data=form_data(client, child))
    assert form.status_code == 422 and 'id="guardian_consent-error"' in form.get_data(as_text=True)
    assert counts(app) == (0, 0)
    ok = client.post(API, json={**child, "guardian_name": "Nguyễn Mẹ", "guardian_consent": True})
    assert ok.status_code == 202


def test_a_wrong_csrf_token_is_refused_with_a_translated_400(app, client):
    make_show(app, "demo")
    client.get(FORM)
    data = {**form_data(client, person(1)), "csrf_token": "forged"}
    response = client.post(FORM, data=data)
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc được gửi từ nơi khác" in response.get_data(as_text=True)
    missing = client.post(FORM, data={k: v for k, v in data.items() if k != "csrf_token"})
    assert missing.status_code == 400
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    "body",
    [
        [person(1)],
        "a string",
        42,
        None,
        True,
    ],
)
def test_a_json_body_that_is_not_an_object_is_422(app, client, body):
    make_show(app, "demo")
    response = client.post(API, json=body)
    assert response.status_code == 422
    assert response.json["error"]["field_codes"] == {"_body": "not_an_object"}
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", 123),
        ("name", ["An"]),
        ("email", {"a": 1}),
        ("phone", 912345678),
        ("birth_year", True),
        ("birth_year", 2004.0),
        ("birth_year", None),
        ("consent", "yes"),
        ("consent", 1),
        ("guardian_consent", "true"),
    ],
)
def test_fields_of_the_wrong_type_are_422_with_the_field(app, client, field, value):
    make_show(app, "demo")
    response = client.post(API, json=person(1, **{field: value}))
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    "data,content_type",
    [
        ("name=An&email=a@b.c", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ("\xff\xfe", "application/json"),
        ("", "application/json"),
    ],
)
def test_a_body_that_is_not_json_is_422(app, client, data, content_type):
    make_show(app, "demo")
    response = client.post(API, data=data, content_type=content_type)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert counts(app) == (0, 0)


def test_a_huge_body_is_413_in_json_and_a_huge_form_is_413_in_html(app, client):
    make_show(app, "demo")
    response = client.post(API, json=person(1, name="A" * 200_000))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    form = client.post(FORM, data={"name": "A" * 200_000, "csrf_token": "x"})
    assert form.status_code == 413 and "Yêu cầu quá lớn." in form.get_data(as_text=True)
    assert counts(app) == (0, 0)


def test_an_unknown_show_is_404(app, client):
    assert (
        client.post("/api/v1/shows/nope/registrations", json=person(1)).json["error"]["code"] == "not_found"
    )
    assert client.get("/shows/nope/register").status_code == 404


# --- the registration window ------------------------------------------------------------


@pytest.mark.parametrize("window", ["before", "after", "closed"])
def test_outside_the_window_form_and_api_refuse_with_registration_closed(app, client, now, runner, window):
    if window == "before":
        make_show(app, "demo", registration_opens_at=now + timedelta(hours=1))
    elif window == "after":
        make_show(app, "demo", registration_closes_at=now - timedelta(minutes=1))
    else:
        make_show(app, "demo")
        assert runner.invoke(args=["show", "update", "demo", "--registration", "closed"]).exit_code == 0
    api = client.post(API, json=person(1))
    assert api.status_code == 403 and api.json["error"]["code"] == "registration_closed"
    page = client.get(FORM)
    assert "Chương trình này hiện không mở đăng ký." in page.get_data(as_text=True)
    assert '<form method="post"' not in page.get_data(as_text=True)
    # A form fetched earlier and submitted now is refused too.
    form = client.post(FORM, data={**person(1), "consent": "y", "csrf_token": csrf_token(client, "/login")})
    assert form.status_code == 403
    assert "Chương trình này hiện không mở đăng ký." in form.get_data(as_text=True)
    assert counts(app) == (0, 0)


def test_reopening_with_the_cli_lets_people_register_again(app, client, runner):
    make_show(app, "demo", registration_open=False)
    assert client.post(API, json=person(1)).status_code == 403
    assert runner.invoke(args=["show", "update", "demo", "--registration", "open"]).exit_code == 0
    assert client.post(API, json=person(1)).status_code == 202


@pytest.mark.parametrize("birth_year", ["9" * 5000, "²⁰⁰⁴", "20 04", "-2004", 10**30])
def test_birth_years_no_int_can_hold_are_422(app, client, birth_year):
    make_show(app, "demo")
    response = client.post(API, json=person(1, birth_year=birth_year))
    assert response.status_code == 422
    assert response.json["error"]["field_codes"] == {"birth_year": "invalid_birth_year"}
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    "body", ["[" * 30_000 + "]" * 30_000, '{"name": ' + "[" * 20_000 + "]" * 20_000 + "}"]
)
def test_json_nested_too_deep_is_400_not_500(app, client, body):
    make_show(app, "demo")
    response = client.post(API, data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert counts(app) == (0, 0)


# --- the short transaction ----------------------------------------------------------------


def test_a_drawn_code_that_is_taken_is_drawn_again(app, client, monkeypatch):
    from checkin import tickets

    make_show(app, "demo")
    first = registered(client, "demo", person(1), confirm=False)["code"]
    drawn = iter([first, first, "ABCDEFGH"])
    monkeypatch.setattr(tickets, "new_code", lambda: next(drawn))
    assert registered(client, "demo", person(2), confirm=False)["code"] == "ABCDEFGH"
    # The refused attempts left nothing behind: no seat, no ticket, no e-mail.
    assert counts(app) == (2, 2)
    from checkin.extensions import db
    from checkin.models import OutboxMessage, Ticket

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
        assert None not in db.session.scalars(select(Ticket.updated_at)).all()


def test_a_duplicate_of_a_full_show_is_told_full_as_anyone_would_be(app, client):
    make_show(app, "demo", quota=1)
    assert client.post(API, json=person(1)).status_code == 202
    again = client.post(API, json=person(1, name="Ai Khác"))
    stranger = client.post(API, json=person(2))
    assert again.status_code == stranger.status_code == 409 and again.data == stranger.data
    assert again.json["error"]["code"] == "full"
    assert counts(app) == (1, 1)


def test_what_was_typed_is_shown_again_escaped_every_time(app, client):
    # The inputs' attributes are remembered between pages (forms.py): a second page with the
    # same typed text must be escaped like the first.
    make_show(app, "demo")
    typed = '<b onclick="x">Lan</b>'
    pages = [
        client.post(FORM, data=form_data(client, person(1, name=typed, email="nope"))).get_data(as_text=True)
        for _ in range(2)
    ]
    assert pages[0].count("&lt;b onclick=&#34;x&#34;&gt;Lan&lt;/b&gt;") == 1
    assert '<b onclick="x">' not in pages[0]
    strip = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')
    assert strip.sub("", pages[0]) == strip.sub("", pages[1])


def test_the_blank_form_is_one_page_for_everyone_with_their_own_token_and_seats(app, client):
    token_re = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
    make_show(app, "demo", quota=3)
    assert "3 seats left" in client.get(FORM + "?lang=en").get_data(as_text=True)
    assert client.post(API, json=person(1)).status_code == 202
    assert client.post(API, json=person(2)).status_code == 202
    visitor = app.test_client()
    page = visitor.get(FORM + "?lang=en").get_data(as_text=True)  # the copy kept from the first
    assert "1 seat left" in page and "seats left" not in page
    assert token_re.search(page).group(1) != token_re.search(client.get(FORM).get_data(as_text=True)).group(1)
    # Exactly the page a render of its own gives, but for the token.
    app.config["KEEP_REGISTRATION_PAGES"] = False
    rendered = visitor.get(FORM + "?lang=en").get_data(as_text=True)
    assert token_re.sub("", page) == token_re.sub("", rendered)
    # The token filled in is the visitor's own: the form goes through.
    data = {**form_data(visitor, person(3)), "csrf_token": token_re.search(page).group(1)}
    assert visitor.post(FORM, data=data).status_code == 303
    assert "Every ticket has been issued" in visitor.get(FORM + "?lang=en").get_data(as_text=True)
