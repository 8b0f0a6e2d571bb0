"""The standby line's public pages: join (from the poster's QR code), one's pass, the board."""

from __future__ import annotations

from flask import current_app, jsonify, render_template

from .. import holder_messages, standby, standby_gate, tickets
from ..database import utcnow
from ..extensions import db, limiter
from ..shows import get_show
from ..web.locale import current_locale
from ..web.standby_join import join_page
from . import bp


@bp.route("/shows/<slug>/standby", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("STANDBY_RATE_LIMIT", "20/minute"), methods=["POST"])
def standby_join(slug: str):
    return join_page(
        slug, staff_id=None, template="public/standby_join.html", done_endpoint="public.standby_pass"
    )


@bp.get("/s/<token>")
def standby_pass(token: str):
    found = standby.pass_by_token(db.session, token)
    show = found.show
    board = standby.board(db.session, show, utcnow())
    payload = standby_gate.sign_pass(found.code, current_app.extensions["checkin_keyring"])
    return render_template(
        "public/standby_pass.html",
        found=found,
        show=show,
        board=board,
        code=tickets.format_code(found.code),
        qr_svg=tickets.qr_svg(payload),
        messages=holder_messages.for_standby(db.session, show.id, current_locale()),
    )


@bp.get("/shows/<slug>/board")
def standby_board(slug: str):
    show = get_show(db.session, slug)
    return render_template(
        "public/standby_board.html", show=show, board=standby.board(db.session, show, utcnow())
    )


@bp.get("/shows/<slug>/board.json")
def standby_board_json(slug: str):
    show = get_show(db.session, slug)
    board = standby.board(db.session, show, utcnow())
    data = (
        board.to_json()
        if board
        else {"issued": 0, "called_up_to": 0, "admitted": 0, "inside": 0, "started": False}
    )
    response = jsonify(
        {"called_up_to": data["called_up_to"], "issued": data["issued"], "started": data["started"]}
    )
    response.headers["Cache-Control"] = "no-store"
    return response
