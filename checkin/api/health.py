"""Probes for the load balancer.

GET /api/v1/health: the process answers. No database, no session: liveness, and the
benchmarks' baseline (the cheapest request the app can serve).
GET /api/v1/ready: whether this server can serve people now: the database answers (and is
migrated), Redis answers where the rate limits live there, and the signing keys open with this
server's secret key. 503 naming what is down, so the proxy sends people elsewhere.
"""

from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text

from ..extensions import db, limiter
from ..web.errors import RETRY_AFTER_SECONDS, UNAVAILABLE, error_body
from . import bp
from .contract import operation
from .schemas import Health, Ready


@bp.get("/health")
@operation("Liveness: the process answers (no database)", answer=Health, tag="meta")
def health():
    return jsonify({"ok": True})


def _database() -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT version_num FROM alembic_version")).all()


def _redis() -> None:
    if not limiter.storage.check():
        raise ConnectionError("redis")


def _signing_keys() -> None:
    current_app.extensions["checkin_keyring"].check()


def _uses_redis() -> bool:
    config = current_app.config
    return bool(config.get("RATELIMIT_ENABLED", True)) and str(
        config.get("RATELIMIT_STORAGE_URI", "")
    ).startswith(("redis", "rediss"))


def _redis_state() -> str:
    """Redis is shared by every server: were its outage to fail readiness, the proxy would take
    the whole fleet out of rotation at once. While the rate limits fall back to each worker's
    memory the server still serves people, so Redis is then "degraded", not "down"."""
    return "degraded" if current_app.config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED") else "down"


@bp.get("/ready")
@operation(
    "Readiness: the database, Redis (where configured) and the signing keys answer",
    answer=Ready,
    tag="meta",
    errors={503: "unavailable (down names what does not answer)"},
)
def ready():
    probes = {"database": _database}
    if _uses_redis():
        probes["redis"] = _redis
    checks = {}
    for name, probe in probes.items():
        try:
            probe()
        except Exception as error:  # noqa: BLE001 - whatever the cause, this part is down
            checks[name] = _redis_state() if name == "redis" else "down"
            current_app.logger.warning("ready: %s is %s (%s)", name, checks[name], type(error).__name__)
        else:
            checks[name] = "ok"
    if checks["database"] == "ok":  # the keys live in the database
        try:
            _signing_keys()
        except (*UNAVAILABLE, LookupError) as error:
            current_app.logger.warning("ready: signing keys unusable (%s)", type(error).__name__)
            checks["signing_keys"] = "down"
        else:
            checks["signing_keys"] = "ok"
    down = [name for name, state in checks.items() if state == "down"]
    degraded = [name for name, state in checks.items() if state == "degraded"]
    if not down:
        return jsonify({"ok": True, "checks": checks, **({"degraded": degraded} if degraded else {})})
    body = {
        "ok": False,
        "down": down,
        "checks": checks,
        **error_body("unavailable", message=f"down: {', '.join(down)}"),
    }
    return jsonify(body), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
