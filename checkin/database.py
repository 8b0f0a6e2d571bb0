"""How we talk to the database: SQLite pragmas, and the one way a domain write transaction begins.

SQLite: WAL, foreign keys on, a busy timeout, and synchronous=FULL so that an acknowledged
write survives a power loss (CHECKIN_SQLITE_SYNCHRONOUS=NORMAL trades that for speed: in WAL
a commit then survives a killed process but not a power cut; `make bench` measures the cost).
Write transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then
writes fails at once with SQLITE_BUSY when another writer committed in between, and the busy
timeout cannot help it. PostgreSQL needs nothing special:
the domain's conditional UPDATEs lock the rows they change.
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_SYNCHRONOUS_MODES = ("FULL", "EXTRA", "NORMAL")
_begin_immediate: ContextVar[bool] = ContextVar("begin_immediate", default=False)
_holding_writer_lock: ContextVar[bool] = ContextVar("holding_writer_lock", default=False)


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def sqlite_synchronous() -> str:
    mode = os.environ.get("CHECKIN_SQLITE_SYNCHRONOUS", "FULL").upper()
    if mode not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"CHECKIN_SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES)}")
    return mode


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Take transaction control from pysqlite so that we can emit BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute(f"PRAGMA synchronous = {sqlite_synchronous()}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


@contextmanager
def _sqlite_writers_queue(session):
    """On SQLite, writers wait their turn on a file lock before BEGIN IMMEDIATE.

    SQLite's own busy handler makes a waiting writer sleep and retry (1, 2, 5 ... 100 ms), so
    under a rush the lock sits free while the next writer sleeps, and an unlucky one waits
    seconds. A blocking flock wakes the next writer the moment the lock is released. It spans
    threads too: every transaction opens its own file description.
    """
    url = session.get_bind().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or _holding_writer_lock.get():
        yield
        return
    with open(f"{url.database}.writers", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        token = _holding_writer_lock.set(True)
        try:
            yield
        finally:
            _holding_writer_lock.reset(token)
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def transaction():
    """One domain write: commits on success, rolls back on any error, and re-raises it."""
    session = db.session()
    if session.in_transaction():
        # A view may have read before calling the domain; end that read so the write
        # transaction starts fresh (and, on SQLite, as IMMEDIATE).
        session.commit()
    with _sqlite_writers_queue(session):
        token = _begin_immediate.set(True)
        try:
            session.connection()
        finally:
            _begin_immediate.reset(token)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
