"""The load generator of `make bench`: a separate process that drives one scenario against a
running server with an async HTTP client, bounded in time and count, and prints its figures
as JSON. Loopback only.

    python -m tests.bench.load SCENARIO --url http://127.0.0.1:PORT --concurrency 50 \
        --duration 10 [--input FILE] [--max N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import re
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Distinct valid Vietnamese mobile prefixes: each phase of a run draws numbers from its own.
PHONE_PREFIXES = (
    "0912",
    "0913",
    "0914",
    "0915",
    "0916",
    "0918",
    "0903",
    "0983",
    "0988",
    "0909",
    "0904",
    "0905",
    "0906",
    "0907",
    "0908",
    "0936",
    "0937",
    "0938",
    "0939",
    "0979",
)
GATES = ("Cổng A", "Cổng B", "Cổng C")
GRACE_SECONDS = 3.0


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def registrant(phase: int, i: int) -> dict:
    return {
        "name": f"Nguyễn Văn {phase} {i}",
        "email": f"p{phase}n{i}@example.com",
        # Phases 0-199 of one database never share a number (up to 100,000 a phase).
        "phone": f"{PHONE_PREFIXES[phase % len(PHONE_PREFIXES)]}{phase // len(PHONE_PREFIXES) % 10}{i % 100_000:05d}",
        "birth_year": 2004,
        "consent": True,
    }


class Run:
    """Shared state of one scenario: the counter that numbers operations, and what came back."""

    def __init__(self, args, data: dict):
        self.args = args
        self.data = data
        self.numbers = itertools.count()
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.results: dict[str, int] = {}
        self.acknowledged: list[dict] = []
        self.errors: dict[str, int] = {}
        self.started = time.perf_counter()
        self.deadline = self.started + args.warmup + args.duration
        self.measured = 0

    def count(self, mapping: dict, key) -> None:
        mapping[str(key)] = mapping.get(str(key), 0) + 1

    def next_number(self) -> int | None:
        n = next(self.numbers)
        if n >= self.args.max or time.perf_counter() >= self.deadline:
            return None
        return n


async def op_health(run: Run, http: aiohttp.ClientSession, n: int) -> int:
    async with http.get("/api/v1/health") as response:
        await response.read()
        return response.status


async def op_register_json(run: Run, http: aiohttp.ClientSession, n: int) -> int:
    slug = run.data["show"]
    person = registrant(run.args.phase, n)
    async with http.post(f"/api/v1/shows/{slug}/registrations", json=person) as response:
        await response.read()
        if response.status == 202:  # the answer names no ticket: the e-mail address does
            run.acknowledged.append({"n": n, "email": person["email"]})
        return response.status


async def op_register_form(run: Run, http: aiohttp.ClientSession, n: int) -> int:
    """What a phone does: GET the form (a session cookie and its CSRF token), then POST it."""
    path = f"/shows/{run.data['show']}/register"
    async with http.get(path) as response:
        html = (await response.read()).decode()
        if response.status != 200:
            return response.status
        cookie = response.headers.get("Set-Cookie", "").split(";", 1)[0]
    match = CSRF_RE.search(html)
    if match is None:
        return "no_csrf_token"
    person = registrant(run.args.phase, n)
    form = {
        "name": person["name"],
        "email": person["email"],
        "phone": person["phone"],
        "birth_year": str(person["birth_year"]),
        "consent": "y",
        "csrf_token": match.group(1),
    }
    async with http.post(path, data=form, headers={"Cookie": cookie}, allow_redirects=False) as response:
        await response.read()
        if response.status == 303:
            run.acknowledged.append({"n": n, "email": person["email"]})
        return response.status


def _get(path_of):
    async def op(run: Run, http: aiohttp.ClientSession, n: int) -> int:
        async with http.get(path_of(run, n)) as response:
            await response.read()
            return response.status

    return op


def _ticket_token(run: Run, n: int) -> str:
    tokens = run.data["tokens"]
    return tokens[n % len(tokens)]


op_ticket_page = _get(lambda run, n: f"/t/{_ticket_token(run, n)}")
op_qr_svg = _get(lambda run, n: f"/t/{_ticket_token(run, n)}/qr.svg")
op_qr_png = _get(lambda run, n: f"/t/{_ticket_token(run, n)}/qr.png")
op_festival_page = _get(lambda run, n: "/")
op_form_page = _get(lambda run, n: f"/shows/{run.data['show']}/register")


async def op_scan(run: Run, http: aiohttp.ClientSession, n: int) -> int:
    """A gate rush: each ticket once, and every tenth scan a second gate scanning a ticket
    that was just scanned (exactly-once admission under load)."""
    payloads = run.data["payloads"]
    index = n - 5 if n % 10 == 9 else n
    body = {
        "payload": payloads[index % len(payloads)],
        "show": run.data["show"],
        "gate": GATES[n % len(GATES)],
        "direction": "in",
        "client_scan_id": uuid.uuid4().hex,
    }
    tokens = run.data["staff_tokens"]
    headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
    async with http.post("/api/v1/scans", json=body, headers=headers) as response:
        raw = await response.read()
        if response.status == 200:
            answer = json.loads(raw)
            run.count(run.results, answer.get("result"))
            run.acknowledged.append(
                {"client_scan_id": body["client_scan_id"], "result": answer.get("result")}
            )
        return response.status


async def op_stats(run: Run, http: aiohttp.ClientSession, n: int) -> int:
    headers = {"Authorization": f"Bearer {run.data['organiser_token']}"}
    async with http.get(f"/api/v1/shows/{run.data['show']}/stats", headers=headers) as response:
        await response.read()
        return response.status


SCENARIOS = {
    "health": op_health,
    "register_json": op_register_json,
    "register_form": op_register_form,
    "ticket_page": op_ticket_page,
    "qr_svg": op_qr_svg,
    "qr_png": op_qr_png,
    "festival_page": op_festival_page,
    "form_page": op_form_page,
    "scan": op_scan,
    "stats": op_stats,
}


async def client(run: Run, http: aiohttp.ClientSession, op) -> None:
    if run.args.pace:  # paced clients start spread over one period, as people arrive
        await asyncio.sleep(random.uniform(0, run.args.pace))
    while (n := run.next_number()) is not None:
        started = time.perf_counter()
        try:
            status = await op(run, http, n)
        except (TimeoutError, aiohttp.ClientError) as error:
            run.count(run.errors, type(error).__name__)
            continue
        finished = time.perf_counter()
        run.count(run.statuses, status)
        if started >= run.started + run.args.warmup and finished <= run.deadline:
            run.latencies.append(finished - started)
        if run.args.pace:
            await asyncio.sleep(max(0.0, run.args.pace - (finished - started)))


async def main(args) -> dict:
    data = json.loads(Path(args.input).read_text()) if args.input else {}
    run = Run(args, data)
    # ssl=False: the production stack's own certificate (tests/bench/stack.py); loopback only.
    connector = aiohttp.TCPConnector(limit=args.concurrency, force_close=False, ssl=False)
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    async with aiohttp.ClientSession(
        args.url, connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        op = SCENARIOS[args.scenario]
        clients = [asyncio.create_task(client(run, http, op)) for _ in range(args.concurrency)]
        # Requests still unanswered this long after the deadline are abandoned (counted as
        # such): a phase ends on time however slow the server has become.
        _, late = await asyncio.wait(clients, timeout=args.warmup + args.duration + GRACE_SECONDS)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        if late:
            run.errors["abandoned_after_deadline"] = len(late)
    elapsed = time.perf_counter() - run.started
    latencies = sorted(run.latencies)
    measured_seconds = max(min(elapsed, args.warmup + args.duration) - args.warmup, 1e-9)
    return {
        "scenario": args.scenario,
        "concurrency": args.concurrency,
        "seconds": round(elapsed, 3),
        "operations": sum(run.statuses.values()),
        "measured": len(latencies),
        "per_second": len(latencies) / measured_seconds,
        "p50_ms": 1000 * percentile(latencies, 0.50) if latencies else None,
        "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else None,
        "max_ms": 1000 * latencies[-1] if latencies else None,
        "statuses": run.statuses,
        "errors": run.errors,
        "results": run.results,
        "acknowledged": run.acknowledged,
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--url", required=True)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--max", type=int, default=sys.maxsize, help="at most this many operations")
    parser.add_argument("--phase", type=int, default=0, help="numbers this phase's registrants")
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="each client starts one operation every PACE seconds (0: back to back)",
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--input")
    args = parser.parse_args(argv)
    if urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only")
    return args


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(parse_args()))))
