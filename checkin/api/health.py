"""GET /api/v1/health: the process answers. No database, no session: a load balancer's probe
and the benchmarks' baseline (the cheapest request the app can serve)."""
from __future__ import annotations

from flask import jsonify

from . import bp
from .contract import operation
from .schemas import Health


@bp.get("/health")
@operation("Liveness: the process answers (no database)", answer=Health, tag="meta")
def health():
    return jsonify({"ok": True})
