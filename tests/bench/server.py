"""The real app under gunicorn on 127.0.0.1, for the benchmarks and the production-stack tests:
fresh databases (SQLite file or a PostgreSQL database of its own), migrated; a server started
with gunicorn.conf.py, waited for, and stopped or killed (SIGKILL) as a whole process group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
FLASK = str(Path(sys.executable).with_name("flask"))
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(instance: Path, database_uri: str, **settings: str) -> dict:
    """The environment of an app process: CHECKIN_* settings only, as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_")}
    env.update(
        {
            "CHECKIN_INSTANCE_PATH": str(instance),
            "CHECKIN_SQLALCHEMY_DATABASE_URI": database_uri,
            "CHECKIN_SECRET_KEY": "bench-" + instance.name,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(settings)
    return env


def flask(env: dict, *args: str) -> str:
    """`flask --app checkin ARGS` as an operator runs it; its output."""
    done = subprocess.run(
        [FLASK, "--app", "checkin", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def postgres_reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


class PostgresDatabase:
    """A database of its own on the server at `url`, dropped on exit."""

    def __init__(self, url: str, prefix: str = "checkin_bench"):
        self.admin_url = url
        self.name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.uri = make_url(url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> PostgresDatabase:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the process that started it dies, so that a test
    run killed outright (SIGKILL, no teardown) leaves no server behind. Linux only."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Process:
    """A command in a process group of its own, its output appended to a log: stopped with
    SIGTERM to its leader (gunicorn's master, Caddy, the mail worker stop gracefully), then
    SIGKILL to whatever is left of the group."""

    def __init__(self, command: list[str], env: dict, *, log: Path | None = None):
        self.command = command
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def spawn(self) -> None:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 (the child keeps it)
        try:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            if self.log:
                out.close()

    def wait_until(self, ready, timeout: float, what: str) -> None:
        """Polls ready() until it is true; stops the process and raises if it exits or the
        time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.kill()
                raise RuntimeError(f"{what} exited with {self.process.returncode} (log: {self.log})")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{what} not ready within {timeout} s (log: {self.log})")

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        self.kill()  # whatever is left of the group, also when the leader is gone

    def kill(self) -> None:
        """SIGKILL to the whole group at once: nothing gets to clean up."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class Server(Process):
    """One gunicorn instance (master and workers in a process group of their own), by default
    with gunicorn.conf.py on a free port."""

    def __init__(
        self,
        env: dict,
        *,
        workers: int = 4,
        threads: int = 4,
        log: Path | None = None,
        port: int | None = None,
        command: list[str] | None = None,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(
            command or [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py")],
            dict(
                env,
                CHECKIN_BIND=f"127.0.0.1:{self.port}",
                WEB_CONCURRENCY=str(workers),
                CHECKIN_THREADS=str(threads),
            ),
            log=log,
        )

    def start(self, timeout: float = 60) -> Server:
        self.spawn()
        self.wait_until_up(timeout)
        return self

    def wait_until_up(self, timeout: float = 60) -> None:
        def up() -> bool:
            with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as response:
                return response.status == 200

        self.wait_until(up, timeout, f"gunicorn on {self.url}")

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def request_json(
    url: str, body: dict | None = None, *, headers: dict | None = None, timeout: float = 30
) -> tuple[int, dict]:
    """One JSON request (POST when there is a body); the status and the decoded answer."""
    import json
    import urllib.error

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw or b"{}")
        except ValueError:
            return error.code, {"raw": raw.decode(errors="replace")}
