"""Issue 20's side of `make bench`: the minimal reference app's scenarios and goals, the lock
waits sampled in pg_stat_activity, and the tables of ours ÷ minimal and every page ÷ bare."""

from __future__ import annotations

import threading

# Goals of issue 20: ours ÷ the minimal reference app (tests/bench/minimal.py), same run, same
# clients; and every page ÷ the bare endpoint.
MINIMAL_GOALS = {
    ("postgresql", "register_json", 50): 0.7,
    ("postgresql", "scan", 50): 0.7,
    ("postgresql", "register_form", 50): 0.5,
}
PAGE_GOAL = 0.30
STATS_P99_MS = 20
PAGES = (
    ("ticket_page", "ticket page"),
    ("qr_svg", "QR SVG"),
    ("qr_png", "QR PNG"),
    ("festival_page", "festival page"),
    ("form_page", "registration form page"),
)
MINIMAL_SCENARIOS = (
    ("register_json", "registration JSON"),
    ("register_form", "registration form+CSRF"),
    ("scan", "gate rush: scans"),
)


class LockSampler:
    """Samples pg_stat_activity of one database while a phase runs: how many sessions wait for
    a lock (wait_event_type 'Lock': a row, a tuple, a transaction id), every 20 ms."""

    def __init__(self, uri: str):
        self.uri = uri

    def __enter__(self) -> LockSampler:
        import psycopg

        self.samples: list[int] = []
        self.events: dict[str, int] = {}
        self.stop = threading.Event()
        self.connection = psycopg.connect(self.uri, autocommit=True)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.wait(0.02):
            rows = self.connection.execute(
                "SELECT wait_event FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchall()
            self.samples.append(len(rows))
            for (event,) in rows:
                self.events[event] = self.events.get(event, 0) + 1

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()
        self.connection.close()

    def summary(self) -> dict:
        n = max(len(self.samples), 1)
        return {
            "mean": sum(self.samples) / n,
            "max": max(self.samples, default=0),
            "share": sum(1 for s in self.samples if s) / n,
            "events": self.events,
        }


def fmt(value, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def lock_text(locks: dict | None) -> str:
    if not locks:
        return ""
    events = ", ".join(f"{k} {v}" for k, v in sorted(locks["events"].items(), key=lambda kv: -kv[1]))
    return f"mean {locks['mean']:.1f}, max {locks['max']}, {100 * locks['share']:.0f}% of samples" + (
        f" ({events})" if events else ""
    )


def _verdict(value: float | None, goal: float | None) -> str:
    if goal is None or value is None:
        return ""
    return "met" if value >= goal else "MISSED"


def issue20(bench) -> list[str]:
    """Ours ÷ minimal per scenario and clients; every page ÷ bare; stats' p99; the lock waits."""
    ours = {
        (r["backend"], r["scenario"], r["clients"]): r
        for r in bench.rows
        if r.get("app") == "ours"
        and r.get("scenario")
        and "NORMAL" not in r["label"]
        and "one per" not in r["label"]
    }
    reference = {
        (r["backend"], r["scenario"], r["clients"]): r for r in bench.rows if r.get("app") == "minimal"
    }
    backends = [b for b in ("sqlite", "postgresql") if any(k[0] == b for k in ours)]
    lines = [
        "",
        "Ours ÷ minimal reference (tests/bench/minimal.py; same run, same server settings, same "
        "clients; goals of issue 20 on PostgreSQL at 50 clients):",
        "",
        "| scenario | clients | "
        + " | ".join(f"{b}: ours/s, minimal/s, ratio" for b in backends)
        + " | goal |",
        "| --- | ---: | " + " | ".join("---:" for _ in backends) + " | --- |",
    ]
    for scenario, label in MINIMAL_SCENARIOS:
        for clients in (1, *bench.args.clients):
            cells, verdicts = [], []
            for backend in backends:
                mine, ref = (
                    ours.get((backend, scenario, clients)),
                    reference.get((backend, scenario, clients)),
                )
                if not (mine and ref and ref["per_second"]):
                    cells.append("–")
                    continue
                ratio = mine["per_second"] / ref["per_second"]
                cells.append(f"{mine['per_second']:.0f}, {ref['per_second']:.0f}, **{ratio:.2f}**")
                goal = MINIMAL_GOALS.get((backend, scenario, clients))
                if goal is not None:
                    verdicts.append(f"{backend} ≥ {goal:.1f}: {_verdict(ratio, goal)}")
            if any(c != "–" for c in cells):
                lines.append(f"| {label} | {clients} | " + " | ".join(cells) + f" | {'; '.join(verdicts)} |")
    lines += [
        "",
        f"Pages ÷ bare endpoint (GET /api/v1/health) at 50 clients; goal ≥ {PAGE_GOAL:.2f}:",
        "",
        "| page | " + " | ".join(backends) + " | goal |",
        "| --- | " + " | ".join("---:" for _ in backends) + " | --- |",
    ]
    for scenario, label in PAGES:
        cells, verdicts = [], []
        for backend in backends:
            row = ours.get((backend, scenario, 50))
            cells.append(fmt(row["ratio"], 2) if row else "–")
            if row and row["ratio"] is not None:
                verdicts.append(f"{backend}: {_verdict(row['ratio'], PAGE_GOAL)}")
        lines.append(f"| {label} | " + " | ".join(cells) + f" | ≥ {PAGE_GOAL:.2f} ({'; '.join(verdicts)}) |")
    lines += [
        "",
        f"Stats (bench show: 100,000 tickets, 200,000 scans; goal p99 < {STATS_P99_MS} ms at "
        "1,000,000 / 2,000,000, tests/bench/stats_at_scale.py):",
    ]
    for backend in backends:
        row = ours.get((backend, "stats", 1))
        if row:
            lines.append(f"- {backend}: p50 {fmt(row['p50'], 1)} ms, p99 {fmt(row['p99'], 1)} ms")
    locked = [r for r in bench.rows if r.get("locks")]
    if locked:
        lines += [
            "",
            "Lock waits in pg_stat_activity (sessions of the app's database waiting on a lock, "
            "sampled every 20 ms during the phase):",
            "",
            "| app | scenario | waiting (mean, max, share of samples, by wait_event) |",
            "| --- | --- | --- |",
        ]
        lines += [f"| {r['app']} | {r['label']} | {lock_text(r['locks'])} |" for r in locked]
    return lines
