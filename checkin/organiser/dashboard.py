"""The live dashboard: the page, and the arrivals chart as an SVG fragment it re-fetches."""

from __future__ import annotations

from flask import Response, render_template, request

from ..database import utcnow
from ..extensions import db
from ..shows import get_show, list_shows, to_local
from ..stats import arrivals, show_stats
from . import bp
from .charts import arrivals_chart


def _chosen_show(shows, now):
    """The show asked for, else the next one that has not ended, else the last."""
    slug = request.args.get("show")
    if slug:
        return get_show(db.session, slug)
    upcoming = [show for show in shows if show.ends_at >= now]
    return (upcoming or shows)[0] if shows else None


@bp.get("/")
def index():
    now = utcnow()
    shows = list_shows(db.session)
    show = _chosen_show(shows, now)
    stats = show_stats(db.session, show, now) if show else None
    return render_template(
        "organiser/dashboard.html",
        shows=shows,
        show=show,
        stats=stats,
        now_local=to_local(now),
        chart=arrivals_chart(stats.arrivals) if stats else None,
    )


@bp.get("/shows/<slug>/arrivals.svg")
def arrivals_svg(slug: str):
    show = get_show(db.session, slug)
    svg = render_template("organiser/_arrivals.svg", chart=arrivals_chart(arrivals(db.session, show.id)))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})
