"""Organisers' command line: flask --app checkin seed | show update | staff add | staff token."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from . import keystore
from . import shows as show_service
from . import staff as staff_service
from .bounds import INT_MAX, sane_datetime
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
@click.option(
    "--offline-names",
    "offline_names",
    type=click.Choice(["yes", "no"]),
    help="whether gate phones' offline ticket list carries attendees' names",
)
@click.option(
    "--retention-days",
    "retention_days",
    type=click.IntRange(min=0),
    help="days after the show ends before its tickets' personal data is erased",
)
def show_update(
    slug, ticket_quota, venue_capacity, registration, doors_open, starts_at, offline_names, retention_days
):
    try:
        show = show_service.update_show(
            slug,
            now=utcnow(),
            ticket_quota=ticket_quota,
            venue_capacity=venue_capacity,
            registration=registration,
            doors_open_at=_local_time(doors_open) if doors_open else None,
            starts_at=_local_time(starts_at) if starts_at else None,
            offline_names={"yes": True, "no": False}.get(offline_names),
            retention_days=retention_days,
        )
    except DomainError as error:
        _fail(error)
    click.echo(
        f"{show.slug}: quota {show.ticket_quota}, issued {show.issued_count}, "
        f"capacity {show.venue_capacity}, registration "
        f"{show_service.registration_state(show, utcnow())}, "
        f"doors {show_service.to_local(show.doors_open_at):%Y-%m-%d %H:%M}, offline names {'yes' if show.offline_names else 'no'}, personal data kept {show.retention_days} days after"
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
        # Outside any transaction: on a brand-new deployment this may make the first key.
        current_app_keyring().check()
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

    from .mail.worker import run

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    interval = interval or float(current_app.config["MAIL_WORKER_INTERVAL"])
    click.echo(f"mail worker: delivering every {interval:g}s when idle")
    passes = run(_deliver_pass, interval=interval, stop=stop)
    click.echo(f"mail worker: stopped after {passes} passes")


def current_app_keyring():
    return current_app.extensions["checkin_keyring"]


keys_cli = AppGroup("keys", help="The ticket-signing keys, shared by every server through the database.")


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


@keys_cli.command("list")
def keys_list():
    """Every key: the one that signs, those that still verify, the retired."""
    current_app_keyring().check()  # makes a deployment's first key, if it has none yet
    for key in keystore.list_keys(db.session):
        retired = f"  retired {key.retired_at:%Y-%m-%d %H:%M} UTC" if key.retired_at else ""
        click.echo(f"{key.kid}  {key.state:<9}  created {key.created_at:%Y-%m-%d %H:%M} UTC{retired}")


@keys_cli.command("rotate")
def keys_rotate():
    """A new key signs from now on; tickets of the older keys stay valid until retired."""
    current_app_keyring().check()
    try:
        kid = keystore.rotate(_secret(), now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"{kid} signs new tickets from now on (running servers switch within "
        f"{keystore.REFRESH_SECONDS:g} s); older keys still verify until `keys retire KID`"
    )


@keys_cli.command("retire")
@click.argument("kid")
def keys_retire(kid):
    """The key stops verifying: the tickets it signed are invalid from now on."""
    try:
        keystore.retire(kid.strip().upper(), now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{kid} retired: tickets signed with it are no longer valid")


@keys_cli.command("export")
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), help="file (mode 0600); default stdout"
)
def keys_export(out):
    """The active private keys as PEM, unencrypted: keep the output as safe as the keys."""
    import os

    current_app_keyring().check()
    pem = keystore.export_pem(db.session, _secret())
    if out is None:
        click.echo(pem.decode(), nl=False)
        return
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    click.echo(f"wrote {pem.count(b'BEGIN PRIVATE KEY')} keys to {out}", err=True)


@keys_cli.command("import")
@click.argument("source", type=click.Path(exists=True))
def keys_import(source):
    """Keys from a PEM file or a folder of *.pem (e.g. an old instance/keys/); the last signs."""
    from pathlib import Path

    path = Path(source)
    files = sorted(path.glob("*.pem"), key=lambda p: (p.stat().st_mtime, p.name)) if path.is_dir() else [path]
    try:
        added, present = keystore.import_pem(b"".join(f.read_bytes() for f in files), _secret(), now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"imported {', '.join(added) or 'nothing'}"
        + (f"; already present {', '.join(present)}" if present else "")
    )


@click.command("purge")
@with_appcontext
@click.option("--show", "show_slug", help="only this show's tickets")
@click.option("--dry-run", is_flag=True, help="count what is due, erase nothing")
def purge(show_slug, dry_run):
    """Erases the personal data that is due (what the mail worker does hourly) and prints it."""
    from .retention import purge as run_purge

    config = current_app.config
    if show_slug is not None and db.session.scalar(select(Show.id).where(Show.slug == show_slug)) is None:
        raise click.ClickException(f"no show {show_slug}")
    report = run_purge(
        now=utcnow(),
        cancelled_days=int(config["CANCELLED_RETENTION_DAYS"]),
        show_slug=show_slug,
        dry_run=dry_run,
        outbox_folder=None if config["MAIL_URL"] else config["OUTBOX_PATH"],
    )
    if dry_run:
        click.echo("dry run: nothing erased; due now:")
    for show in report.shows.values():
        click.echo(
            f"{show.slug}: {show.tickets} tickets, {show.scans} scans, {show.audit_entries} audit entries, "
            f"{show.messages} messages, {show.files} mail files"
        )
    if not report.shows:
        click.echo("nothing to erase")
    if report.standby:
        click.echo(f"{report.standby} standby passes")
    if report.lookups:
        click.echo(f"{report.lookups} old /find requests")


def register(app: Flask) -> None:
    app.cli.command("seed")(seed)
    app.cli.add_command(show_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(purge)
    from .cli_seats import reconfirm_cli, standby_cli  # they build on this module's helpers

    app.cli.add_command(reconfirm_cli)
    app.cli.add_command(standby_cli)
