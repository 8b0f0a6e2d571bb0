"""The organiser console (/organiser): live attendance, shows and gates, staff, attendees,
exports and the audit log. Organisers only: every route passes one role check first."""

from flask import Blueprint

from .. import devices
from ..shows import to_local
from ..web.staff_session import page_staff_required

bp = Blueprint("organiser", __name__)


@bp.before_request
@page_staff_required("organiser")
def organisers_only():
    """Anonymous visitors go to the sign-in page, volunteers get 403; None lets the view run."""
    return None


@bp.context_processor
def helpers():
    def localtime(utc, pattern="%d/%m %H:%M"):
        return to_local(utc).strftime(pattern) if utc else ""

    return {
        "localtime": localtime,
        "describe": labels.describe,
        "label": labels.label,
        "action_label": labels.action_label,
        "object_label": labels.object_label,
        "value_label": labels.value_label,
        "device_label": devices.describe,
        "STATUSES": labels.STATUSES,
        "SCAN_RESULTS": labels.SCAN_RESULTS,
        "HISTORY": labels.HISTORY,
        "CONFLICT_REASONS": labels.CONFLICT_REASONS,
        "MAIL_KINDS": labels.MAIL_KINDS,
    }


from . import (
    attendee_pages,
    audit_log,
    conflicts,
    dashboard,
    exports,
    group_pages,
    labels,  # noqa: E402,F401
    message_pages,
    seat_pages,
    show_pages,
    staff_pages,
)
