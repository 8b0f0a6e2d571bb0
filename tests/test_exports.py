"""CSV exports: UTF-8 with a BOM, Vietnamese intact, the list's filters applied, formulas defused."""

from __future__ import annotations

import csv
import io

from tests.support.factories import make_show, person
from tests.support.organiser import admit, form_token, open_doors, organiser_client
from tests.support.registering import registered


def _rows(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_attendees_csv_round_trips_vietnamese_and_applies_filters(app, client, now):
    make_show(app, "demo", quota=10)
    make_show(app, "other", quota=10)
    client.post("/api/v1/shows/demo/registrations", json=person(1, name="Đặng Thị Ngọc Ánh"))
    client.post("/api/v1/shows/demo/registrations", json=person(2, name="Trần Quốc Bảo"))
    client.post("/api/v1/shows/other/registrations", json=person(3, name="Vũ Hải Yến"))
    org = organiser_client(app, now)
    token = form_token(org, "/organiser/attendees")

    def export(**fields):
        return _rows(org.post("/organiser/exports/attendees.csv", data=fields | {"csrf_token": token}))

    everyone = export()
    assert {row["name"] for row in everyone} == {"Đặng Thị Ngọc Ánh", "Trần Quốc Bảo", "Vũ Hải Yến"}
    assert everyone[0].keys() >= {"code", "show", "status", "email", "phone", "registered_at"}
    demo = export(show="demo")
    assert {row["name"] for row in demo} == {"Đặng Thị Ngọc Ánh", "Trần Quốc Bảo"}
    searched = export(q="Ngọc Ánh")
    assert [row["name"] for row in searched] == ["Đặng Thị Ngọc Ánh"]
    assert searched[0]["phone"] == "+84912000001"
    assert export(status="cancelled") == []
    assert org.post("/organiser/exports/attendees.csv", data={"q": "Ánh"}).status_code == 400  # no CSRF token
    # The list page's download button posts the same filters, never in a URL.
    page = org.post("/organiser/attendees", data={"q": "Ngọc Ánh", "show": "demo", "csrf_token": token})
    export_form = page.get_data(as_text=True).split('id="export-attendees"', 1)[1].split("</form>", 1)[0]
    assert 'name="q" value="Ngọc Ánh"' in export_form and 'name="show" value="demo"' in export_form


def test_a_name_that_looks_like_a_formula_stays_text(app, client, now):
    make_show(app, "demo", quota=10)
    response = client.post("/api/v1/shows/demo/registrations", json=person(1, name='=HYPERLINK("x")'))
    if response.status_code != 201:
        return  # the registration rules refuse such a name already; nothing can reach the CSV
    org = organiser_client(app, now)
    rows = _rows(
        org.post(
            "/organiser/exports/attendees.csv", data={"csrf_token": form_token(org, "/organiser/attendees")}
        )
    )
    assert rows[0]["name"].startswith("'=")


def test_scans_csv_with_filters(app, client, now):
    make_show(app, "demo", quota=10, capacity=10)
    codes = [registered(client, "demo", person(i))["code"] for i in range(3)]
    open_doors(app, "demo", now)
    admit(app, codes[0], "Cổng Đinh Tiên Hoàng", now)
    admit(app, codes[1], "Cổng Hàng Khay", now)
    admit(app, codes[0], "Cổng Hàng Khay", now)
    org = organiser_client(app, now)
    every = _rows(org.get("/organiser/exports/scans.csv"))
    assert len(every) == 3
    assert {row["gate"] for row in every} == {"Cổng Đinh Tiên Hoàng", "Cổng Hàng Khay"}
    khay = _rows(org.get("/organiser/exports/scans.csv", query_string={"gate": "Cổng Hàng Khay"}))
    assert sorted(row["result"] for row in khay) == ["admitted", "already_inside"]
    refused = _rows(org.get("/organiser/exports/scans.csv", query_string={"result": "already_inside"}))
    assert [row["ticket_code"] for row in refused] == [codes[0]]
    other_day = _rows(org.get("/organiser/exports/scans.csv", query_string={"day": "2001-01-01"}))
    assert other_day == []
    page = org.get("/organiser/scans", query_string={"gate": "Cổng Hàng Khay"}).get_data(as_text=True)
    assert "Cổng Hàng Khay" in page and "Cổng Đinh Tiên Hoàng</td>" not in page


def test_a_large_export_streams_in_chunks(app, now):
    from checkin.exports import BATCH, csv_lines

    chunks = list(csv_lines(["n", "name"], ((i, "Nguyễn") for i in range(BATCH * 2 + 1)), lambda d: d))
    assert chunks[0] == "\ufeff"
    assert len(chunks) == 4
    assert "".join(chunks).count("\n") == BATCH * 2 + 2
