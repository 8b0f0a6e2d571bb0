"""Benchmark of the offline gate on the phone's side: how big the gate list is, and how long the
phone takes to decide a scan alone.

    .venv/bin/python -m tests.bench.offline_decision [--tickets 10000] [--decisions 1000]

It migrates a fresh SQLite database in a temporary instance folder, inserts the tickets in bulk
(issued an hour ago), serves the app on 127.0.0.1 from a thread and measures:
- GET /api/v1/shows/<slug>/gate-list: bytes of the JSON body (codes only, and with names), the
  same gzip'd (level 6, what a TLS proxy's gzip does), and an incremental update after 50 admissions;
- what IndexedDB holds after the scanner page stored the list (Chromium's own figure from
  navigator.storage.estimate(), and the records' size as JSON);
- the on-phone decision in Chromium (performance.now() around GateList.decide: parse, Ed25519
  check, list lookup) for `--decisions` genuine payloads, with WebCrypto's Ed25519 and with
  noble's; and the queue write (IndexedDB, strict durability) that precedes each offline answer.
Chromium is the system one (/usr/bin/chromium), headless, on a machine shared with others: the
numbers are upper bounds for a desktop core; a mid-range phone is some 3-5x slower.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SHOW, GATE = "bench-offline", "Cổng A"
PASSWORD = "bench offline password"
CHANGED = 50


FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
)
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Gia", "Bảo", "Khánh", "")
GIVEN = (
    "An",
    "Bình",
    "Châu",
    "Dũng",
    "Giang",
    "Hà",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Huy",
    "Khoa",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Ngân",
    "Nhung",
    "Phúc",
    "Quân",
    "Quỳnh",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tuấn",
    "Uyên",
    "Vy",
    "Yến",
)


def plausible_name(rng: random.Random):
    """Names as registration makes them: the sizes (gzip'd above all) depend on it."""
    return lambda _: " ".join(filter(None, (rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN))))


def prepare(app, tickets: int) -> tuple[list[str], str]:
    """The show, its tickets (changed an hour ago, so that an update carries only what changes
    after), a volunteer; the signed payloads and an API token."""
    from checkin import tickets as ticket_codes
    from checkin.database import utcnow
    from checkin.gate_lookup import choose_gate
    from checkin.staff import add_staff, issue_token
    from tests.bench import seed

    now = utcnow()
    with app.app_context():
        seed.doors_open_show(SHOW, GATE, tickets, now, registration_open=False)
        # Random codes, as registration draws them (counted-up ones would gzip far better).
        random_codes = list(dict.fromkeys(ticket_codes.new_code() for _ in range(tickets + 100)))[:tickets]
        codes = [
            code
            for _, code in seed.bulk_tickets(
                SHOW,
                tickets,
                now - timedelta(hours=1),
                tag="offline",
                codes=random_codes,
                name=plausible_name(random.Random(11)),
            )
        ]
        keyring = app.extensions["checkin_keyring"]
        payloads = [ticket_codes.sign_payload(code, keyring) for code in codes]
        volunteer, _ = add_staff("bench-volunteer", "volunteer", now=now, password=PASSWORD)
        choose_gate(volunteer.id, SHOW, GATE, now=now)  # the list is for the show of their gate
        token = issue_token("bench-volunteer", now=now)
    return payloads, token


def set_names(app, on: bool) -> None:
    from sqlalchemy import update

    from checkin.database import transaction
    from checkin.models import Show

    with app.app_context(), transaction() as session:
        session.execute(update(Show).where(Show.slug == SHOW).values(offline_names=on))


def admit_some(app, codes: list[str]) -> None:
    from sqlalchemy import update

    from checkin.database import transaction, utcnow
    from checkin.models import Ticket

    now = utcnow()
    with app.app_context(), transaction() as session:
        session.execute(
            update(Ticket)
            .where(Ticket.code.in_(codes))
            .values(admitted_at=now, admitted_gate=GATE, inside=True)
        )


def list_sizes(app, token: str, payloads: list[str]) -> list[tuple[str, int, int, int]]:
    """(what, tickets, bytes, gzip'd bytes) of the list's downloads."""
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/shows/{SHOW}/gate-list"
    rows = []

    def get(what, query=""):
        response = client.get(url + query, headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_data()
        rows.append((what, len(response.json["tickets"]), len(body), len(gzip.compress(body, 6))))
        return response.json

    for names in (False, True):
        set_names(app, names)
        full = get("whole list, " + ("with names" if names else "codes and states only"))
    admit_some(app, [p.split(":")[2] for p in payloads[:CHANGED]])
    get(f"update after {CHANGED} admissions (?since=)", f"?since={full['cursor']}")
    set_names(app, False)
    return rows


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def in_chromium(base_url: str, payloads: list[str], decisions: int, tickets: int) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.support.gate import sign_in_at_gate
    from tests.support.services import chromium_path

    sample = random.Random(7).sample(payloads, min(decisions, len(payloads)))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(base_url=base_url, locale="vi-VN").new_page()
        sign_in_at_gate(page, "bench-volunteer", PASSWORD)
        page.wait_for_selector(f"#scanner[data-list-size='{tickets}']", state="attached", timeout=120_000)
        # Measured on another page of the site, so that the scanner's own sync cannot upload the
        # queue writes below.
        page.goto("/gate/setup")
        result = page.evaluate(
            """async ([show, gate, sample]) => {
            const { Store } = await import('/static/js/gate/store.js');
            const { GateList } = await import('/static/js/gate/list.js');
            const store = await Store.open();
            const out = {};
            const estimate = await navigator.storage.estimate();
            out.idbUsage = estimate.usageDetails ? estimate.usageDetails.indexedDB : null;
            out.cacheUsage = estimate.usageDetails ? estimate.usageDetails.caches : null;
            let started = performance.now();
            const records = [...(await store.tickets(show)).entries()];
            out.loadMs = performance.now() - started;
            out.records = records.length;
            out.recordsJson = JSON.stringify(records.map(([code, e]) => ({ show, code, ...e }))).length;
            for (const engine of ['webcrypto', 'noble']) {
                const list = new GateList(store, show, { engine, nobleUrl: '/static/vendor/noble-ed25519/index.js' });
                await list.load();
                for (const text of sample.slice(0, 20)) await list.decide(text, { direction: 'in', gate });  // warm-up
                const times = [];
                const results = {};
                started = performance.now();
                for (const text of sample) {
                    const t0 = performance.now();
                    const answer = await list.decide(text, { direction: 'in', gate });
                    times.push(performance.now() - t0);
                    results[answer.result] = (results[answer.result] || 0) + 1;
                }
                out[engine] = { engine: list.verifier.engine, total: performance.now() - started, times, results };
            }
            const ids = [];
            const writes = [];
            for (const text of sample.slice(0, 200)) {
                const item = { client_scan_id: crypto.randomUUID(), payload: text, show, gate, direction: 'in',
                               scanned_at: new Date().toISOString(), local_result: 'admitted', code: null, change: null };
                const t0 = performance.now();
                await store.enqueue(item, null);
                writes.push(performance.now() - t0);
                ids.push(item.client_scan_id);
            }
            await store.settle(ids);
            out.enqueue = writes;
            return out;
        }""",
            [SHOW, GATE, sample],
        )
        browser.close()
    return result


def summary(times: list[float]) -> str:
    cut = statistics.quantiles(times, n=100, method="inclusive")
    return (
        f"median {statistics.median(times):.2f} ms, p95 {cut[94]:.2f} ms, max {max(times):.2f} ms, "
        f"mean {statistics.fmean(times):.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=1_000)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from checkin import create_app

    with tempfile.TemporaryDirectory(prefix="checkin-offline-bench-") as folder:
        instance = Path(folder)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'bench.db'}",
                "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "offline-bench",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        payloads, token = prepare(app, args.tickets)
        print(f"Offline gate, {args.tickets:,} tickets (prepared in {time.perf_counter() - started:.1f} s)\n")
        print("| gate list | tickets | JSON bytes | gzip'd bytes |\n| --- | ---: | ---: | ---: |")
        for what, count, size, zipped in list_sizes(app, token, payloads):
            print(f"| {what} | {count:,} | {size:,} | {zipped:,} |")
        server = serve(app)
        try:
            measured = in_chromium(
                f"http://127.0.0.1:{server.server_port}", payloads, args.decisions, args.tickets
            )
        finally:
            server.shutdown()
    print(
        f"\nIndexedDB after the scanner stored the list (codes and states): {measured['idbUsage'] or 0:,} bytes "
        f"on disk by navigator.storage.estimate(); {measured['records']:,} records, {measured['recordsJson']:,} "
        f"bytes as JSON; read back into memory in {measured['loadMs']:.0f} ms. "
        f"(Service worker cache: {measured['cacheUsage'] or 0:,} bytes.)"
    )
    print(
        f"\nDecision on the phone (parse, Ed25519, list), {len(measured['webcrypto']['times']):,} genuine payloads:"
    )
    for engine in ("webcrypto", "noble"):
        run = measured[engine]
        print(
            f"- {run['engine']}: {summary(run['times'])}; total {run['total']:.0f} ms; results {run['results']}"
        )
    print(
        f"- queue write before the answer (IndexedDB, strict durability), 200 writes: {summary(measured['enqueue'])}"
    )


if __name__ == "__main__":
    main()
