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
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session

from .errors import Unavailable
from .extensions import db
from .folding import SQLITE_FUNCTION, fold

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_SYNCHRONOUS_MODES = ("FULL", "EXTRA", "NORMAL")
# deadlock_detected, serialization_failure: the transaction was rolled back whole, not refused.
RETRIED_SQLSTATES = frozenset({"40P01", "40001"})
PG_TRANSACTION_ATTEMPTS = 3
_begin_immediate: ContextVar[bool] = ContextVar("begin_immediate", default=False)
_holding_writer_lock: ContextVar[bool] = ContextVar("holding_writer_lock", default=False)
T = TypeVar("T")
R = TypeVar("R")


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
    dbapi_connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name == "sqlite":
        # Straight to sqlite3: every request begins at least once, and SQLAlchemy's execution
        # machinery cost more than SQLite's own BEGIN.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """PostgreSQL: a pooled connection is pinged before use only once it has been idle
    `idle_seconds` (CHECKIN_DB_PING_AFTER_IDLE_SECONDS), the time in which a server restart, a
    failover or a proxy's idle timeout may have dropped it unseen; a dead one is replaced before
    any request sees it. SQLAlchemy's pool_pre_ping pinged at every checkout: one more round trip
    for every request, and in a surge connections go back and out within milliseconds (issue
    20). A connection dropped while busy is still caught: its error invalidates the pool, and that
    request answers 503 (web/errors.py)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine.pool, "checkin")
    def _idle_since(_dbapi_connection, record):
        record.info["checkin_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        since = record.info.pop("checkin_idle_since", None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("the connection failed its ping") from error
        if not alive:
            # The pool drops this connection and checks out another (at most three tries).
            raise DisconnectionError("the connection failed its ping")


def _sqlite_file(url) -> str | None:
    """The database file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return url.database


@contextmanager
def _sqlite_writers_queue(session):
    """On SQLite, writers wait their turn on a file lock before BEGIN IMMEDIATE.

    SQLite's own busy handler makes a waiting writer sleep and retry (1, 2, 5 ... 100 ms), so
    under a rush the lock sits free while the next writer sleeps, and an unlucky one waits
    seconds. A blocking flock wakes the next writer the moment the lock is released. It spans
    threads too: every transaction opens its own file description.
    """
    path = _sqlite_file(session.get_bind().url)
    if path is None or _holding_writer_lock.get():
        yield
        return
    with _writers_lock(path):
        yield


def writers_lock_path(database_file: str) -> str:
    """The file whose lock SQLite's writers queue on (beside the database file)."""
    return f"{database_file}.writers"


@contextmanager
def _writers_lock(path: str):
    try:
        lock = open(writers_lock_path(path), "a+b")  # noqa: SIM115 (closed by the with below)
    except OSError as error:  # the database's folder is gone or unwritable: so is the database
        raise Unavailable("database") from error
    with lock:
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


def core_connection(session_or_connection: Session | Connection) -> Connection:
    """The connection a Core statement runs on, in the caller's transaction. From a session,
    what the caller changed through the ORM is flushed first (Core on the session's connection
    skips the ORM's autoflush, which session.execute would do)."""
    if isinstance(session_or_connection, Session):
        session_or_connection.flush()
        return session_or_connection.connection()
    return session_or_connection


@contextmanager
def statements_alone() -> Iterator[Connection]:
    """A connection of its own on which each statement is its own transaction (autocommit):
    on PostgreSQL a write done in one statement then commits as it ends, and the rows it locks
    are held on the server alone, never across a round trip (checkin/registration.py)."""
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def transaction_memo(connection: Connection) -> dict:
    """A dict that lives as long as the transaction open on `connection`: the writes of one
    group (group_write) that need the same row read it once."""
    transaction = connection.get_transaction()
    held = connection.info.get("checkin_transaction_memo")
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        connection.info["checkin_transaction_memo"] = held
    return held[1]


class _Write:
    """One caller's part of a shared transaction, and how it ended."""

    __slots__ = ("work", "wake", "finished", "result", "error")

    def __init__(self, work: Callable[[Connection], Any]):
        self.work = work
        self.wake = threading.Event()
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None


class _Group:
    """The writers of one process and one database file waiting for the write lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting: list[_Write] = []
        self.leading = False


_groups: dict[str, _Group] = {}
_groups_lock = threading.Lock()


def queued_writers(engine: Engine) -> int:
    """How many writers of this process wait to join the next group commit on this engine's
    SQLite file (0 on PostgreSQL, where group_write does not group)."""
    path = _sqlite_file(engine.url)
    group = _groups.get(path) if path else None
    if group is None:
        return 0
    with group.lock:
        return len(group.waiting)


def group_write(work: Callable[[Connection], T]) -> T:
    """Runs work(connection) in a write transaction and returns its result once that transaction
    is committed; on SQLite the transaction may be shared with the other threads of this
    process that are waiting for the write lock at the same moment (a group commit).

    On SQLite the cost of a short write is mostly the commit's fsync (synchronous=FULL) and the
    wait for the lock, and both are paid once by the whole group. Each caller's work runs in a
    SAVEPOINT of its own: an exception undoes that caller's writes alone and is raised in its
    own thread; nobody hears of success before the COMMIT has returned, so every acknowledged
    write is as durable as with a transaction of its own. `work` uses only the connection
    (Core statements): it runs in whichever thread leads the group, outside the caller's
    session. On PostgreSQL, where writers of different rows do not queue, it is simply one
    transaction of its own.
    """
    engine = db.engine
    path = _sqlite_file(engine.url)
    if path is None or _holding_writer_lock.get():
        with transaction() as session:
            return work(session.connection())
    with _groups_lock:
        group = _groups.setdefault(path, _Group())
    me = _Write(work)
    with group.lock:
        group.waiting.append(me)
        lead = not group.leading
        group.leading = True
    if not lead:
        me.wake.wait()  # set when our group has committed, or when we are to lead the next one
    if not me.finished:
        batch: list[_Write] = []
        try:
            with _writers_lock(path):
                # Taken once the lock is ours: whoever came while we waited for it joins too.
                with group.lock:
                    batch, group.waiting = group.waiting, []
                _commit_together(engine, batch)
        finally:
            with group.lock:
                if me in group.waiting:  # failed before taking the group: nobody runs our work
                    group.waiting.remove(me)
                for write in batch:
                    write.finished = True
                if group.waiting:
                    group.waiting[0].wake.set()  # it leads the writers who came meanwhile
                else:
                    group.leading = False
            for write in batch:
                write.wake.set()
    if me.error is not None:
        raise me.error
    return me.result


def read_then_write(read: Callable[[Connection], R], write: Callable[[Connection, R], T]) -> T:
    """write(connection, read(connection)) committed, the read outside the write lock where
    there is one.

    On SQLite the read runs (and its transaction ends) before the writer queues for the write
    lock; write() then runs in group_write. On PostgreSQL both share one transaction, on the
    session's connection: under READ COMMITTED each statement sees what is committed when it
    starts, so the read is as fresh there as after a BEGIN of its own, and a read takes no
    lock. That spares the read's COMMIT, the write's BEGIN and the pool's second checkout (and
    its ping). A transaction PostgreSQL rolls back as a deadlock's victim (or a serialization
    failure) runs again, read included, up to PG_TRANSACTION_ATTEMPTS times: read and write
    must therefore do nothing outside the database. An offline upload's replay rewrites several
    scans, each counted in its own shard, so two replays can take counter rows in opposite
    orders; no statement order avoids that across tickets."""
    session = db.session()
    if db.engine.dialect.name == "sqlite":
        seen = read(session.connection())
        if session.in_transaction():
            # The read ends here, so that whatever the caller reads next sees the write.
            session.commit()
        return group_write(lambda connection: write(connection, seen))
    attempt = 1
    while True:
        connection = session.connection()
        try:
            result = write(connection, read(connection))
            session.commit()
            return result
        except BaseException as error:
            session.rollback()
            if attempt == PG_TRANSACTION_ATTEMPTS or not _worth_retrying(error):
                raise
        # The server chose this transaction as a deadlock's victim and rolled it back whole:
        # nothing of it stands, so running it again is safe (PostgreSQL's own advice).
        time.sleep(random.uniform(0, 0.01 * attempt))
        attempt += 1


def _worth_retrying(error: BaseException) -> bool:
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in RETRIED_SQLSTATES


def _commit_together(engine: Engine, batch: list[_Write]) -> None:
    token = _begin_immediate.set(True)
    try:
        with engine.connect() as connection:
            connection.begin()
            # Straight to sqlite3: through SQLAlchemy a SAVEPOINT cost ten times as much, and
            # everything here is time that the other processes' writers wait.
            sqlite = connection.connection.driver_connection
            assert sqlite is not None  # an open connection has its driver's
            for write in batch:
                sqlite.execute("SAVEPOINT group_write")
                try:
                    write.result = write.work(connection)
                except Exception as error:  # noqa: BLE001 - the caller's, raised in its thread
                    write.error = error
                    sqlite.execute("ROLLBACK TO group_write")
                sqlite.execute("RELEASE group_write")
            connection.commit()
    except BaseException as error:
        # Nothing was committed: whoever had succeeded learns it did not.
        for write in batch:
            if write.error is None:
                write.error, write.result = error, None
    finally:
        _begin_immediate.reset(token)
