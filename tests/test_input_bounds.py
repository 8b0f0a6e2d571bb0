"""Each 500 the fuzzing found, answered now with 400/404/422 and a message, nothing written:
lone surrogates, date-times that overflow, ids and numbers no column holds, a bad Host."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.factories import make_show, person
from tests.support.gate import add_volunteer, api_token, issue, open_show, payload, scan_id
from tests.support.organiser import form_token, organiser_client


@pytest.fixture
def gate(app):
    open_show(app, "gala")
    codes = issue(app, "gala", 1)
    add_volunteer(app, "vol")
    return {"code": codes[0], "auth": {"Authorization": f"Bearer {api_token(app, 'vol')}"}}


def _scan_count(app) -> int:
    from checkin.extensions import db
    from checkin.models import Scan

    with app.app_context():
        return db.session.query(Scan).count()


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/v1/scans", '{"payload": "x", "show": "gala", "gate": "\\ud800", "client_scan_id": "a1"}'),
        ("/api/v1/scans/undo", '{"reason": "\\udfff oops", "gate": "A", "client_scan_id": "a2"}'),
        ("/api/v1/lookup", '{"show": "gala", "q": "Nguy\\ud800"}'),
        ("/api/v1/shows/gala/registrations", '{"name": "An \\udc00", "email": "a@example.com"}'),
    ],
)
def test_a_lone_surrogate_in_a_json_string_is_400_not_500(app, client, gate, path, body):
    response = client.post(path, data=body, content_type="application/json", headers=gate["auth"])
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
    assert _scan_count(app) == 0


@pytest.mark.parametrize(
    "scanned_at",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1999-12-31T23:00:00Z",
        "2100-01-01T00:00:00Z",
    ],
)
def test_a_device_time_out_of_bounds_is_422_not_an_overflow(app, client, gate, scanned_at):
    body = {
        "payload": payload(app, gate["code"]),
        "show": "gala",
        "gate": "A",
        "client_scan_id": scan_id(),
        "scanned_at": scanned_at,
    }
    response = client.post("/api/v1/scans", json=body, headers=gate["auth"])
    assert response.status_code == 422
    assert response.json["error"]["field_codes"] == {"scanned_at": "out_of_range"}
    batch = client.post(
        "/api/v1/scans/batch", json={"scans": [{**body, "local_result": "admitted"}]}, headers=gate["auth"]
    )
    assert batch.status_code == 200 and batch.json["results"][0]["error"]["code"] == "invalid"
    assert _scan_count(app) == 0


@pytest.mark.parametrize(
    "field, value",
    [
        ("device", 5),
        ("device", ["x"]),
        ("gate", {"a": 1}),
        ("show", 7),
        ("client_scan_id", True),
        ("direction", None),
        ("scanned_at", 1700000000),
    ],
)
def test_fields_of_the_wrong_json_type_are_422(app, client, gate, field, value):
    body = {
        "payload": payload(app, gate["code"]),
        "show": "gala",
        "gate": "A",
        "client_scan_id": scan_id(),
        field: value,
    }
    response = client.post("/api/v1/scans", json=body, headers=gate["auth"])
    assert response.status_code == 422 and field in response.json["error"]["field_codes"]
    assert _scan_count(app) == 0


def test_a_cursor_naming_a_time_past_any_calendar_gets_the_full_list(app, client, gate):
    add_volunteer(app, "org", role="organiser")  # an organiser sees every show's list
    response = client.get(
        "/api/v1/shows/gala/gate-list?since=v1.999999999999999999",
        headers={"Authorization": f"Bearer {api_token(app, 'org')}"},
    )
    assert response.status_code == 200 and response.json["full"] is True


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"ends_at": datetime(9999, 12, 31)}, "ends_at"),
        ({"doors_open_at": datetime(1, 1, 1)}, "doors_open_at"),
        ({"ticket_quota": 2**40}, "ticket_quota"),
        ({"waitlist_cutoff_minutes": 2**31}, "waitlist_cutoff_minutes"),
    ],
)
def test_the_show_validators_refuse_what_the_gate_or_the_column_cannot_hold(app, now, changes, field):
    from checkin.errors import InvalidInput
    from checkin.shows import update_show

    make_show(app, "gala")
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        update_show("gala", now=now, **changes)
    assert field in refused.value.fields


def _show_form(**overrides) -> dict:
    values = {
        "title_vi": "Gala",
        "title_en": "Gala",
        "venue": "Hà Nội",
        "doors_open_at": "2030-11-02T18:30",
        "starts_at": "2030-11-02T19:30",
        "ends_at": "2030-11-02T22:30",
        "ticket_quota": "10",
        "venue_capacity": "10",
        "registration_opens_at": "2030-10-01T08:00",
        "registration_closes_at": "2030-11-02T18:00",
        "waitlist_cutoff_minutes": "0",
    }
    return {**values, **overrides}


@pytest.mark.parametrize(
    "field, value", [("ends_at", "9999-12-31T23:59"), ("doors_open_at", "0001-01-01T00:00")]
)
def test_the_show_form_answers_dates_out_of_bounds_with_a_translated_message(app, now, field, value):
    client = organiser_client(app, now)
    make_show(app, "gala")
    data = {**_show_form(**{field: value}), "csrf_token": form_token(client, "/organiser/shows/gala")}
    response = client.post("/organiser/shows/gala", data=data)
    assert response.status_code == 422
    assert "Vui lòng nhập ngày trong khoảng năm 2000 đến 2099." in response.get_data(as_text=True)
    new = client.post("/organiser/shows/new", data={**data, "slug": "late"})
    assert new.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/organiser/scans?day=0001-01-01",
        "/organiser/audit?day=0001-01-01",
        "/organiser/exports/scans.csv?day=0001-01-01",
        "/organiser/audit?actor=99999999999999999999",
        "/organiser/audit?actor=²",
    ],
)
def test_filters_out_of_bounds_are_a_message_not_a_500(app, now, path):
    client = organiser_client(app, now)
    assert client.get(path).status_code in (200, 422)


@pytest.mark.parametrize(
    "path, form",
    [
        ("/organiser/staff/99999999999999999999/password", {}),
        ("/organiser/shows/gala/gates/99999999999999999999/rename", {"label": "X"}),
    ],
)
def test_ids_in_urls_beyond_the_column_are_404(app, now, path, form):
    client = organiser_client(app, now)
    make_show(app, "gala")
    response = client.post(path, data={**form, "csrf_token": form_token(client, "/organiser/staff")})
    assert response.status_code == 404


def test_pairing_a_volunteer_id_beyond_the_column_is_422(app, now):
    client = organiser_client(app, now)
    make_show(app, "gala")
    response = client.post(
        "/organiser/staff/pair",
        data={
            "staff_id": "99999999999999999999",
            "gate": "gala\nCổng A",
            "csrf_token": form_token(client, "/organiser/staff"),
        },
    )
    assert response.status_code == 422


@pytest.mark.parametrize("host", ["a b", "[", "x:abc", "é.example", "ex%ample"])
def test_an_invalid_host_header_is_a_400_page_not_a_crash(client, host):
    page = client.get("/", headers={"Host": host})
    assert (
        page.status_code == 400
        and "Yêu cầu không hợp lệ" in page.get_data(as_text=True)
        or page.status_code == 400
    )
    api = client.get("/api/v1/shows", headers={"Host": host})
    assert api.status_code == 400 and api.json["error"]["code"] == "bad_request"


def test_only_the_public_names_are_served_once_configured(app_config):
    from checkin import create_app

    app = create_app({**app_config, "PUBLIC_HOSTS": "ve.example.vn"})
    client = app.test_client()
    assert client.get("/api/v1/health", headers={"Host": "ve.example.vn"}).status_code == 200
    assert client.get("/api/v1/health", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/api/v1/health", headers={"Host": "evil.example"}).status_code == 400
    derived = create_app({**app_config, "PUBLIC_URL": "https://ve.khongmotminh.vn"}).test_client()
    assert derived.get("/api/v1/health", headers={"Host": "ve.khongmotminh.vn"}).status_code == 200
    assert derived.get("/api/v1/health", headers={"Host": "evil.example"}).status_code == 400


def test_a_body_over_the_limit_is_413_as_json_and_as_a_page(app, client):
    make_show(app, "gala")
    api = client.post("/api/v1/shows/gala/registrations", data="x" * 100_000, content_type="application/json")
    assert api.status_code == 413 and api.json["error"]["code"] == "too_large"
    page = client.post(
        "/shows/gala/register", data="a=" + "x" * 100_000, content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 413 and "<html" in page.get_data(as_text=True)


def test_the_cli_refuses_a_staff_name_longer_than_the_column_without_a_traceback(app, runner):
    result = runner.invoke(args=["staff", "add", "n" * 81, "--role", "volunteer"])
    assert result.exit_code == 1 and "too_long" in result.output
    assert "Traceback" not in result.output and "password" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("when", ["0001-01-01T00:00+14:00", "9999-12-31T23:00"])
def test_the_cli_refuses_a_time_out_of_bounds_with_a_message(app, runner, when):
    make_show(app, "gala")
    result = runner.invoke(args=["show", "update", "gala", "--doors-open", when])
    assert result.exit_code == 2 and "2000" in result.output and "Traceback" not in result.output


def test_registration_with_a_lone_surrogate_in_a_form_field_writes_nothing(app, client):
    make_show(app, "gala")
    response = client.post(
        "/api/v1/shows/gala/registrations",
        data='{"name": "An", "email": "a@example.com", "phone": "0912345678", '
        '"birth_year": 2000, "consent": true, "guardian_name": "\\ud800"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    ok = client.post("/api/v1/shows/gala/registrations", json=person(1))
    assert ok.status_code == 202
