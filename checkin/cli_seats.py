"""Filling every seat from the command line: flask --app checkin reconfirm start|cancel|status,
standby configure."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app

from . import reconfirmation, standby
from .cli import _Commands, _fail, _local_time
from .database import utcnow
from .errors import DomainError, NotAsked
from .extensions import db
from .shows import get_show, to_local

reconfirm_cli = _Commands("reconfirm", help="Ask ticket holders to reconfirm before a show.")


def _echo(slug: str, found: reconfirmation.Counts) -> None:
    click.echo(
        f"{slug}: reconfirmation {found.state}, deadline {to_local(found.deadline):%Y-%m-%d %H:%M}; "
        f"asked {found.asked}, confirmed {found.confirmed}, declined {found.declined}, "
        f"silent {found.silent}, released {found.released}, promoted {found.promoted}"
    )


@reconfirm_cli.command("start")
@click.argument("slug")
@click.option("--deadline", required=True, help="ISO time in Hanoi time, e.g. 2026-11-01T12:00")
@click.option(
    "--remind-before",
    "remind_before",
    type=click.IntRange(min=0),
    help="minutes before the deadline to remind the silent (default RECONFIRM_REMINDER_MINUTES; 0: none)",
)
def reconfirm_start(slug, deadline, remind_before):
    """Asks every holder of an issued ticket of SLUG by e-mail (again: asks only the new ones)."""
    minutes = current_app.config["RECONFIRM_REMINDER_MINUTES"] if remind_before is None else remind_before
    try:
        found = reconfirmation.start(
            slug,
            deadline=_local_time(deadline),
            now=utcnow(),
            remind_before=timedelta(minutes=int(minutes)) or None,
        )
    except DomainError as error:
        _fail(error)
    _echo(slug, found)


@reconfirm_cli.command("cancel")
@click.argument("slug")
def reconfirm_cancel(slug):
    """Stops SLUG's reconfirmation before its deadline: nobody is released."""
    try:
        found = reconfirmation.cancel(slug, now=utcnow())
    except DomainError as error:
        _fail(error)
    _echo(slug, found)


@reconfirm_cli.command("status")
@click.argument("slug")
def reconfirm_status(slug):
    """SLUG's reconfirmation counts."""
    try:
        found = reconfirmation.counts(db.session, get_show(db.session, slug).id)
        if found is None:
            raise NotAsked()
    except DomainError as error:
        _fail(error)
    _echo(slug, found)


standby_cli = _Commands("standby", help="The standby line at the venue.")


@standby_cli.command("configure")
@click.argument("slug")
@click.option("--starts-at", "starts_at", help="ISO time in Hanoi time, or 'now': standby admission starts")
@click.option(
    "--below-expected",
    "below_expected",
    type=click.IntRange(min=0),
    help="or once fewer than this many ticket holders are still expected",
)
@click.option(
    "--kept-places",
    "kept_places",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="places kept for late ticket holders",
)
def standby_configure(slug, starts_at, below_expected, kept_places):
    """When SLUG's standby admission starts and how many places are kept back."""
    try:
        standby.configure(
            slug,
            now=utcnow(),
            starts_at=_local_time(starts_at) if starts_at else None,
            below_expected=below_expected,
            kept_places=kept_places,
        )
        called = standby.call(slug, now=utcnow())
    except DomainError as error:
        _fail(error)
    click.echo(f"{slug}: standby called up to {called}, {kept_places} places kept")
