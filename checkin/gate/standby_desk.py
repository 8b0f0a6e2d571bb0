"""A volunteer puts someone without a phone in the standby line: the same form and domain
function as the public page, recorded with the volunteer's id; the pass is shown on the
volunteer's screen (its number and code to write down, its QR to photograph)."""

from __future__ import annotations

from flask import g

from ..web.staff_session import page_staff_required
from ..web.standby_join import join_page
from . import bp


@bp.route("/gate/standby/<slug>", methods=["GET", "POST"])
@page_staff_required("volunteer")
def standby_desk(slug: str):
    return join_page(
        slug, staff_id=g.staff.id, template="public/standby_join.html", done_endpoint="public.standby_pass"
    )
