"""Every page and state a person reaches, as steps a browser takes: the accessibility test runs
axe-core on each, `make screenshots` photographs each. One list, so that the two never differ.

    data = prepare(app)                        # shows, tickets, scans, staff accounts
    for step in steps(data):                   # Step(name, role, go)
        step.go(page_signed_in_as[step.role], base_url)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tests.support.factories import make_show, person
from tests.support.gate import VOLUNTEER_PASSWORD, add_gates, add_volunteer, open_show

ORGANISER = ("org", "organiser-password-long")
VOLUNTEER = ("vol", VOLUNTEER_PASSWORD)


@dataclass
class TourData:
    issued: str  # ticket link tokens
    waitlisted: str
    cancelled: str
    ticket_code: str  # a ticket with scans, for the console's ticket page
    standby_pass: str = ""  # a standby pass's link token

    group: str = ""  # a school group's link token, its roster half consented (issue 19)
    consent: str = ""  # a pupil's consent link token, consent not yet given


@dataclass
class Step:
    name: str
    role: str  # "public", "organiser" or "volunteer": whose browser context takes the step
    go: Callable  # go(page, url) -> None; url(path) makes an absolute address


def prepare(app) -> TourData:
    """The festival as a person meets it a few days before: two shows open, one full with a
    waitlist, a show whose doors are open with admissions and re-entries, staff accounts."""
    from checkin.admission import admit_ticket
    from checkin.cancellation import cancel_ticket
    from checkin.database import utcnow
    from checkin.registration import confirm, register
    from checkin.shows import seed_festival
    from checkin.staff import add_staff

    now = utcnow()
    make_show(app, "full", quota=1, title_vi="Buổi tập dượt", title_en="Rehearsal")
    open_show(app, "open", capacity=50, reentry_allowed=True, title_vi="Buổi mở cửa", title_en="Open doors")
    add_gates(app, "open", "Cổng A – Hàng Khay", "Cổng B – Đinh Tiên Hoàng")
    with app.app_context():
        seed_festival(now - timedelta(minutes=1))
        add_staff(ORGANISER[0], "organiser", now=now, password=ORGANISER[1])

        def confirmed(slug, values, **options):
            # As the attendee does: the link in the "confirm" e-mail.
            registration = register(slug, values, now=now, **options)
            confirm(registration.token, now=now)
            return registration

        issued = confirmed("gala", person(1))
        confirmed("full", person(2))
        waitlisted = confirmed("full", person(3), join_waitlist=True)
        cancelled = confirmed("minishow", person(4))
        cancel_ticket(cancelled.token, now=now)
        inside = confirmed("open", person(5, name="Trần Thị Mai"))
        confirmed("open", person(6, name="Lê Văn Nam"))
        for i, direction in enumerate(("in", "out", "in", "in")):
            admit_ticket(
                inside.code,
                staff=None,
                gate="Cổng A – Hàng Khay",
                direction=direction,
                client_scan_id=f"tour-{i}",
                now=now + timedelta(minutes=i),
            )
        # Filling every seat (issue 18): gala's holders asked to reconfirm, a standby line at "open".
        from checkin import reconfirmation, standby

        reconfirmation.start("gala", deadline=now + timedelta(hours=2), now=now)
        standby.configure("open", now=now, starts_at=now, below_expected=None, kept_places=5)
        standby_pass = standby.join("open", {"name": "Đỗ Văn Hùng", "phone": "0977 123 456"}, now=now)
        standby.call("open", now=now)
    add_volunteer(app, VOLUNTEER[0])
    group, consent = _school_group(app, now)
    return TourData(
        issued.token, waitlisted.token, cancelled.token, inside.code, standby_pass.token, group, consent
    )


def _school_group(app, now) -> tuple[str, str]:
    """A class of the minishow: two pupils, one consented on paper and ticketed, one waiting."""
    from sqlalchemy import select

    from checkin.extensions import db
    from checkin.group_models import GroupMember
    from checkin.group_roster import add_members, attest_paper
    from checkin.group_tickets import issue
    from checkin.school_groups import request_group
    from tests.support.groups import allow_groups, teacher

    allow_groups(app, "minishow", max_size=40)
    with app.app_context():
        made = request_group("minishow", teacher(1, pupils=3, adults=1), now=now)
        add_members(
            made.token,
            [
                (1, {"name": "Nguyễn Minh An", "birth_year": 2014}),
                (2, {"name": "Trần Bảo Châu", "birth_year": 2013}),
            ],
            [(1, "Phạm Thu Hà")],
            now=now,
        )
        first, second = db.session.execute(
            select(GroupMember.id, GroupMember.consent_token)
            .where(GroupMember.kind == "pupil")
            .order_by(GroupMember.id)
        ).all()
        attest_paper(made.token, first.id, now=now)
        issue(made.token, now=now)
        return made.token, second.consent_token


def _bad_roster(page):
    page.fill("#pupils_text", "Lê Văn Dũng, năm")
    with page.expect_navigation():
        page.locator("form[action$='/roster'] button[type=submit]").click()


def _visit(path: str):
    def go(page, url):
        page.goto(url(path))

    return go


def _then(path: str, act: Callable):
    def go(page, url):
        page.goto(url(path))
        act(page)

    return go


def _submit(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()


def _under_16(page):
    page.fill("#birth_year", "2013")
    page.locator("#guardian_name").wait_for(state="visible")


def _open_maps(page):
    for summary in page.locator("details.show-map > summary").all():
        summary.click()


def _find(page):
    page.fill("#contact", "ban1@example.com")
    _submit(page)


def _message_preview(page):
    page.fill("#subject_vi", "Đổi cổng")
    page.fill("#body_vi", "Mời vào bằng cổng B.")
    page.fill("#subject_en", "Gate change")
    page.fill("#body_en", "Please use gate B.")
    with page.expect_navigation():
        page.click("#message-preview")


def _pair(page):
    with page.expect_navigation():
        page.locator("form[action$='/staff/pair'] button[type=submit]").click()


def _attendee_search(page):
    page.fill("input[name=q]", "mai")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")


def _lookup(page):
    page.fill("#lookup-q", "Mai")
    page.press("#lookup-q", "Enter")
    page.locator("#lookup-results li").first.wait_for()


def _look_up_under_the_camera(page, name: str):
    _scanner(page)
    page.fill("#lookup-q", name)
    page.press("#lookup-q", "Enter")


def _admit_by_lookup(name: str):
    """Looks a ticket up under the camera and lets it in: the full-screen answer."""

    def act(page):
        _look_up_under_the_camera(page, name)
        page.locator("#lookup-results .lookup-admit").first.click()
        page.locator("#result").wait_for(state="visible")

    return act


def _lookup_answer(name: str):
    """A ticket already inside looked up: the scanner's own red words, and no admit button."""

    def act(page):
        _look_up_under_the_camera(page, name)
        page.locator("#lookup-results .lookup-answer").first.wait_for()
        assert page.locator("#lookup-results .lookup-admit").count() == 0

    return act


def _undo_last_admission(page):
    """The volunteer takes back their admission of a minute ago: the amber answer."""
    _scanner(page)
    page.fill("#undo-reason", "nhầm người")
    page.click("#undo-form button[type=submit]")
    page.locator("#result.result-amber").wait_for()


def _scanner(page):
    # No camera in this browser: the scanner's "type the code" state, once it has tried.
    page.locator("#scanner").wait_for()
    page.wait_for_timeout(300)


def sign_in(page, url, name: str, password: str, then: str) -> None:
    page.goto(url("/login"))
    page.fill("#name", name)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    if then == "volunteer" and page.url.endswith("/gate/setup"):
        with page.expect_navigation():
            page.click("button.gate-choice:text-is('Cổng A – Hàng Khay')")


def steps(data: TourData) -> list[Step]:
    public = [
        Step("festival", "public", _visit("/")),
        Step("festival-maps", "public", _then("/", _open_maps)),
        Step("register", "public", _visit("/shows/gala/register")),
        Step("register-errors", "public", _then("/shows/gala/register", _submit)),
        Step("register-under-16", "public", _then("/shows/gala/register", _under_16)),
        Step("register-full", "public", _visit("/shows/full/register")),
        Step("registered-check-email", "public", _visit("/shows/gala/registered")),
        Step("ticket-issued", "public", _visit(f"/t/{data.issued}")),
        Step("my-data", "public", _visit(f"/t/{data.issued}/data")),
        Step("ticket-waitlisted", "public", _visit(f"/t/{data.waitlisted}")),
        Step("ticket-cancelled", "public", _visit(f"/t/{data.cancelled}")),
        Step("cancel", "public", _visit(f"/t/{data.issued}/cancel")),
        Step("find", "public", _visit("/find")),
        Step("find-sent", "public", _then("/find", _find)),
        Step("privacy", "public", _visit("/privacy")),
        Step("reconfirm", "public", _visit(f"/t/{data.issued}/reconfirm?answer=coming")),
        Step("standby-join", "public", _visit("/shows/open/standby")),
        Step("standby-join-errors", "public", _then("/shows/open/standby", _submit)),
        Step("standby-pass", "public", _visit(f"/s/{data.standby_pass}")),
        Step("standby-board", "public", _visit("/shows/open/board")),
        Step("login", "public", _visit("/login")),
        Step("login-errors", "public", _then("/login", _submit)),
        Step("group-request", "public", _visit("/shows/minishow/groups/new")),
        Step("group-request-errors", "public", _then("/shows/minishow/groups/new", _submit)),
        Step("group-page", "public", _visit(f"/g/{data.group}")),
        Step("group-roster-errors", "public", _then(f"/g/{data.group}", _bad_roster)),
        Step("group-tickets", "public", _visit(f"/g/{data.group}/tickets")),
        Step("group-consent", "public", _visit(f"/c/{data.consent}")),
        Step("group-consent-errors", "public", _then(f"/c/{data.consent}", _submit)),
    ]
    organiser = [
        Step("console-dashboard", "organiser", _visit("/organiser/?show=open")),
        Step("console-shows", "organiser", _visit("/organiser/shows")),
        Step("console-show-new", "organiser", _visit("/organiser/shows/new")),
        Step("console-show-edit", "organiser", _visit("/organiser/shows/gala")),
        Step("console-attendees", "organiser", _visit("/organiser/attendees")),
        Step("console-attendees-search", "organiser", _then("/organiser/attendees", _attendee_search)),
        Step("console-ticket", "organiser", _visit(f"/organiser/tickets/{data.ticket_code}")),
        Step("console-scans", "organiser", _visit("/organiser/scans")),
        Step("console-conflicts", "organiser", _visit("/organiser/shows/open/conflicts")),
        Step("console-staff", "organiser", _visit("/organiser/staff")),
        Step("console-pairing", "organiser", _then("/organiser/staff", _pair)),
        Step("console-audit", "organiser", _visit("/organiser/audit")),
        Step("console-reconfirmation", "organiser", _visit("/organiser/shows/gala/reconfirmation")),
        Step("console-standby", "organiser", _visit("/organiser/shows/open/standby")),
        Step("console-messages", "organiser", _visit("/organiser/shows/gala/messages")),
        Step(
            "console-messages-preview", "organiser", _then("/organiser/shows/gala/messages", _message_preview)
        ),
        Step("console-groups", "organiser", _visit("/organiser/shows/minishow/groups")),
    ]
    gate = [
        Step("gate-setup", "volunteer", _visit("/gate/setup")),
        Step("gate-standby-desk", "volunteer", _visit("/gate/standby/open")),
        Step("gate-scanner-no-camera", "volunteer", _then("/gate", _scanner)),
        Step("gate-lookup", "volunteer", _then("/gate", _lookup)),
        Step("gate-result-admitted", "volunteer", _then("/gate", _admit_by_lookup("Nam"))),
        Step("gate-lookup-already-inside", "volunteer", _then("/gate", _lookup_answer("Nam"))),
        Step("gate-result-undone", "volunteer", _then("/gate", _undo_last_admission)),
    ]
    return public + organiser + gate


def with_lang(path_url: Callable, lang: str) -> Callable:
    """url(path) that adds ?lang= to the first page of each step (the choice then sticks)."""

    def url(path: str) -> str:
        joiner = "&" if "?" in path else "?"
        return path_url(f"{path}{joiner}lang={lang}")

    return url


SLUG_RE = re.compile(r"[^a-z0-9-]+")
