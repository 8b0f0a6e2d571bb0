"""Organisers' command line: flask --app checkin seed | show update | staff add | staff token."""
from __future__ import annotations

from datetime import datetime

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from . import shows as show_service
from . import staff as staff_service
from .bounds import INT_MAX, sane_datetime
from .database import utcnow
from .errors import DomainError, InvalidInput
from .extensions import db
from .models import Staff

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
        local = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("an ISO time such as 2026-11-01T18:30 (Hanoi time) or 'now'") from None
    if not sane_datetime(local):  # before the move to UTC, which year 1 or 9999 would overflow
        raise click.BadParameter("a time between the years 2000 and 2099")
    return show_service.to_utc(local)


class _Commands(AppGroup):
    """Whatever the database still refuses becomes a message, never a traceback: a traceback
    would print the statement's parameters (a password hash, a person's data)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UnicodeError:  # bytes in argv that are not UTF-8 arrive as lone surrogates
            raise click.ClickException("arguments must be valid UTF-8 text") from None
        except SQLAlchemyError as error:
            cause = getattr(error, "orig", None) or error
            raise click.ClickException(f"the database refused this ({type(cause).__name__})") from None


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


show_cli = _Commands("show", help="Change a show.")


@show_cli.command("update")
@click.argument("slug")
@click.option("--ticket-quota", type=click.IntRange(min=0, max=INT_MAX))
@click.option("--venue-capacity", type=click.IntRange(min=0, max=INT_MAX))
@click.option("--registration", type=click.Choice(["open", "closed"]))
@click.option("--doors-open", "doors_open", help="ISO time in Hanoi time, or 'now'")
@click.option("--starts-at", "starts_at", help="ISO time in Hanoi time, or 'now'")
@click.option("--offline-names", "offline_names", type=click.Choice(["yes", "no"]),
              help="whether gate phones' offline ticket list carries attendees' names")
def show_update(slug, ticket_quota, venue_capacity, registration, doors_open, starts_at, offline_names):
    try:
        show = show_service.update_show(
            slug, now=utcnow(), ticket_quota=ticket_quota, venue_capacity=venue_capacity,
            registration=registration,
            doors_open_at=_local_time(doors_open) if doors_open else None,
            starts_at=_local_time(starts_at) if starts_at else None,
            offline_names={"yes": True, "no": False}.get(offline_names),
        )
    except DomainError as error:
        _fail(error)
    click.echo(
        f"{show.slug}: quota {show.ticket_quota}, issued {show.issued_count}, "
        f"capacity {show.venue_capacity}, registration "
        f"{show_service.registration_state(show, utcnow())}, "
        f"doors {show_service.to_local(show.doors_open_at):%Y-%m-%d %H:%M}, offline names {'yes' if show.offline_names else 'no'}"
    )


staff_cli = _Commands("staff", help="Staff accounts.")


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


def register(app: Flask) -> None:
    app.cli.command("seed")(seed)
    app.cli.add_command(show_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(mail_cli)
