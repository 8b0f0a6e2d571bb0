"""Organisers' command line: flask --app checkin seed | show update | staff add | staff token."""
from __future__ import annotations

from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from . import shows as show_service
from . import staff as staff_service
from .database import utcnow
from .errors import DomainError, InvalidInput
from .extensions import db
from .models import Show, Staff

DEMO_ORGANISER = "organiser"


def _fail(error: DomainError) -> None:
    detail = ""
    if isinstance(error, InvalidInput):
        detail = ": " + ", ".join(f"{field} ({code})" for field, code in error.fields.items())
    raise click.ClickException(f"{error.code}{detail}")


def _local_time(value: str) -> datetime:
    if value == "now":
        return utcnow()
    try:
        return show_service.to_utc(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter("an ISO time such as 2026-11-01T18:30 (Hanoi time) or 'now'") from None


def seed() -> None:
    """Creates the festival's two shows (idempotent) and a first organiser account."""
    created = show_service.seed_festival(utcnow())
    for slug in created:
        click.echo(f"created show {slug}")
    if not created:
        click.echo("shows already seeded")
    has_organiser = db.session.scalar(select(Staff.id).where(Staff.role == "organiser").limit(1))
    if has_organiser is None:
        _, password = staff_service.add_staff(DEMO_ORGANISER, "organiser", now=utcnow())
        click.echo(f"organiser account: {DEMO_ORGANISER}  password: {password}")
    else:
        click.echo("an organiser account exists (new password: flask --app checkin staff password NAME)")


show_cli = AppGroup("show", help="Change a show.")


@show_cli.command("update")
@click.argument("slug")
@click.option("--ticket-quota", type=click.IntRange(min=0))
@click.option("--venue-capacity", type=click.IntRange(min=0))
@click.option("--registration", type=click.Choice(["open", "closed"]))
@click.option("--doors-open", "doors_open", help="ISO time in Hanoi time, or 'now'")
@click.option("--starts-at", "starts_at", help="ISO time in Hanoi time, or 'now'")
@click.option("--offline-names", "offline_names", type=click.Choice(["yes", "no"]),
              help="whether gate phones' offline ticket list carries attendees' names")
@click.option("--retention-days", "retention_days", type=click.IntRange(min=0),
              help="days after the show ends before its tickets' personal data is erased")
def show_update(slug, ticket_quota, venue_capacity, registration, doors_open, starts_at, offline_names,
                retention_days):
    try:
        show = show_service.update_show(
            slug, now=utcnow(), ticket_quota=ticket_quota, venue_capacity=venue_capacity,
            registration=registration,
            doors_open_at=_local_time(doors_open) if doors_open else None,
            starts_at=_local_time(starts_at) if starts_at else None,
            offline_names={"yes": True, "no": False}.get(offline_names), retention_days=retention_days,
        )
    except DomainError as error:
        _fail(error)
    click.echo(
        f"{show.slug}: quota {show.ticket_quota}, issued {show.issued_count}, "
        f"capacity {show.venue_capacity}, registration "
        f"{show_service.registration_state(show, utcnow())}, "
        f"doors {show_service.to_local(show.doors_open_at):%Y-%m-%d %H:%M}, offline names {'yes' if show.offline_names else 'no'}, personal data kept {show.retention_days} days after"
    )


staff_cli = AppGroup("staff", help="Staff accounts.")


@staff_cli.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(staff_service.ROLES), default="volunteer", show_default=True)
def staff_add(name, role):
    try:
        staff, password = staff_service.add_staff(name, role, now=utcnow())
    except DomainError as error:
        _fail(error)
    click.echo(f"{role} {staff.name}  password: {password}")


@staff_cli.command("token")
@click.argument("name")
def staff_token(name):
    try:
        click.echo(staff_service.issue_token(name, now=utcnow()))
    except DomainError as error:
        _fail(error)


@staff_cli.command("password")
@click.argument("name")
def staff_password(name):
    """Sets a new generated password; the account's sessions end."""
    try:
        password = staff_service.reset_password(name, now=utcnow())
    except DomainError as error:
        _fail(error)
    click.echo(f"{name}  password: {password}")


mail_cli = AppGroup("mail", help="Deliver the outbox's e-mail.")


def _deliver_pass():
    from .web.mail import deliver_due_now

    try:
        return deliver_due_now()
    finally:
        db.session.remove()


@mail_cli.command("send")
def mail_send():
    """One pass: sends every message that is due, then exits."""
    report = _deliver_pass()
    click.echo(f"sent {report.sent}, failed {report.failed}, skipped {report.skipped}")


@mail_cli.command("worker")
@click.option("--interval", type=click.FloatRange(0.1, 60), help="seconds to sleep when idle")
def mail_worker(interval):
    """Sends mail as it becomes due until SIGTERM or Ctrl-C."""
    import signal
    import threading

    from flask import current_app

    from .mail.worker import run

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    interval = interval or float(current_app.config["MAIL_WORKER_INTERVAL"])
    click.echo(f"mail worker: delivering every {interval:g}s when idle")
    passes = run(_deliver_pass, interval=interval, stop=stop)
    click.echo(f"mail worker: stopped after {passes} passes")


@click.command("purge")
@with_appcontext
@click.option("--show", "show_slug", help="only this show's tickets")
@click.option("--dry-run", is_flag=True, help="count what is due, erase nothing")
def purge(show_slug, dry_run):
    """Erases the personal data that is due (what the mail worker does hourly) and prints it."""
    from flask import current_app

    from .retention import purge as run_purge

    config = current_app.config
    if show_slug is not None and db.session.scalar(select(Show.id).where(Show.slug == show_slug)) is None:
        raise click.ClickException(f"no show {show_slug}")
    report = run_purge(now=utcnow(), cancelled_days=int(config["CANCELLED_RETENTION_DAYS"]), show_slug=show_slug,
                       dry_run=dry_run, outbox_folder=None if config["MAIL_URL"] else config["OUTBOX_PATH"])
    if dry_run:
        click.echo("dry run: nothing erased; due now:")
    for show in report.shows.values():
        click.echo(f"{show.slug}: {show.tickets} tickets, {show.scans} scans, {show.audit_entries} audit entries, "
                   f"{show.messages} messages, {show.files} mail files")
    if not report.shows:
        click.echo("nothing to erase")
    if report.lookups:
        click.echo(f"{report.lookups} old /find requests")


def register(app: Flask) -> None:
    app.cli.command("seed")(seed)
    app.cli.add_command(show_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(purge)
