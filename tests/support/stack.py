"""The production stack of deploy/ on this machine: Caddy (deploy/Caddyfile) terminating TLS and
balancing over app servers (deploy/checkin-web@.service, one instance folder each), one
PostgreSQL database, Redis, and the mail worker (deploy/checkin-mail.service), after the
migrations (deploy/checkin-migrate.service). The commands and settings are read from those
files, with /opt/checkin, /var/lib/checkin and /etc/checkin/*.env mapped onto this checkout,
a folder of the stack's own and deploy/*.env.example: what `make run-prod`, tests/stack and
`tests/bench/stack.py` run is what systemd runs. Everything listens on 127.0.0.1 only, on free
ports, and stops as whole process groups.

    python -m tests.support.stack      # make run-prod: until Ctrl-C (README, "Production")
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.bench.server import ROOT, Process, Server, free_port

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments and blanks skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return values


def read_unit(name: str, paths: dict[str, str]) -> dict[str, list[str]]:
    """The [Service] section of deploy/NAME: each key's values in order, with the deployment's
    paths (and %i) replaced by `paths`, longest first."""
    section, entries = None, {}
    for line in (DEPLOY / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            for old in sorted(paths, key=len, reverse=True):
                value = value.replace(old, paths[old])
            entries.setdefault(key, []).append(value)
    return entries


def unit_env(unit: dict[str, list[str]]) -> dict[str, str]:
    return dict(assignment.split("=", 1) for assignment in unit.get("Environment", []))


def _https_ok(url: str) -> bool:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the stack's own certificate, made in its folder
    with urllib.request.urlopen(url, timeout=3, context=context) as response:
        return response.status == 200


class Stack:
    """`with Stack(root, database_uri=..., redis_url=...) as stack:` stack.url is the proxy."""

    def __init__(
        self,
        root: Path,
        *,
        database_uri: str,
        redis_url: str,
        secret_key: str,
        servers: int = 2,
        workers: int = 2,
        threads: int = 4,
        https_port: int | None = None,
        settings: dict[str, str] | None = None,
        mail_worker: bool = True,
    ):
        self.root = Path(root)
        self.https_port = https_port or free_port()
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.ports = [free_port() for _ in range(servers)]
        self.workers, self.threads = workers, threads
        self.mail_worker = mail_worker
        self.paths = {
            "/opt/checkin/.venv/bin": str(BIN),
            "/opt/checkin": str(ROOT),
            "/var/lib/checkin": str(self.root / "lib"),
        }
        overrides = {
            "CHECKIN_SQLALCHEMY_DATABASE_URI": database_uri,
            "CHECKIN_RATELIMIT_STORAGE_URI": redis_url,
            "CHECKIN_SECRET_KEY": secret_key,
            "CHECKIN_PUBLIC_URL": self.url,
            "CHECKIN_MAIL_URL": None,  # the outbox folder of the mail worker's instance
            "WEB_CONCURRENCY": str(workers),
            "CHECKIN_THREADS": str(threads),
            "PYTHONUNBUFFERED": "1",
            **(settings or {}),
        }
        self.settings = self._environment(DEPLOY / "checkin.env.example", overrides)
        self.processes: list[Process] = []
        self.servers: list[Server] = []

    @staticmethod
    def _environment(example: Path, overrides: dict[str, str | None]) -> dict[str, str]:
        """The process environment without CHECKIN_*, then the example file, then overrides
        (None removes); a placeholder left over is a mistake of this module's."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKIN_")}
        env.update(read_env_file(example))
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        left = [k for k, v in env.items() if "CHANGE-ME" in v]
        if left:
            raise RuntimeError(f"{example.name}: no value given for {', '.join(left)}")
        return env

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def _unit(self, name: str, instance: str = "") -> tuple[list[str], dict[str, str]]:
        unit = read_unit(name, {**self.paths, "%i": instance})
        env = dict(self.settings, **unit_env(unit))
        Path(env["CHECKIN_INSTANCE_PATH"]).mkdir(parents=True, exist_ok=True)  # StateDirectory=
        return shlex.split(unit["ExecStart"][0]), env

    def settings_of(self, unit: str, instance: str = "") -> dict[str, str]:
        """The environment systemd gives deploy/UNIT here (e.g. its CHECKIN_INSTANCE_PATH)."""
        return self._unit(unit, instance)[1]

    def flask(self, *args: str) -> str:
        """`flask --app checkin ARGS` as an operator runs it: the app servers' settings."""
        command, env = self._unit("checkin-migrate.service")
        done = subprocess.run(
            [command[0], "--app", "checkin", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self) -> Stack:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        command, env = self._unit("checkin-migrate.service")
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"migrations failed:\n{done.stdout}{done.stderr}")
        for port in self.ports:
            command, env = self._unit("checkin-web@.service", str(port))
            server = Server(
                env,
                workers=self.workers,
                threads=self.threads,
                port=port,
                command=command,
                log=self.log(f"web-{port}"),
            )
            server.spawn()
            self.processes.append(server)
            self.servers.append(server)
        for server in self.servers:
            server.wait_until_up()
        if self.mail_worker:
            command, env = self._unit("checkin-mail.service")
            worker = Process(command, env, log=self.log("mail"))
            worker.spawn()
            self.processes.append(worker)
        self.proxy(self.servers, self.https_port)

    def proxy(self, servers: list[Server], https_port: int) -> str:
        """Caddy with deploy/Caddyfile over `servers` on https://127.0.0.1:HTTPS_PORT (its URL),
        stopped with the stack. `make bench-stack` starts a second one over one server."""
        cert, key = self.certificate()
        url = f"https://127.0.0.1:{https_port}"
        caddy_home = self.root / f"caddy-{https_port}"  # Caddy's storage and autosave, not the user's
        overrides = {
            "CHECKIN_SITE": url,
            "CHECKIN_TLS": f"{cert} {key}",
            "CHECKIN_UPSTREAMS": " ".join(f"127.0.0.1:{s.port}" for s in servers),
            "CHECKIN_PROXY_BIND": "127.0.0.1",
            "CHECKIN_PROXY_ADMIN": "off",
            "CHECKIN_PROXY_HTTP_PORT": str(free_port()),
            "CHECKIN_PROXY_HTTPS_PORT": str(https_port),
            "HOME": str(caddy_home),
            "XDG_DATA_HOME": str(caddy_home / "data"),
            "XDG_CONFIG_HOME": str(caddy_home / "config"),
        }
        env = self._environment(DEPLOY / "proxy.env.example", overrides)
        caddy = shutil.which("caddy")
        if caddy is None:
            raise RuntimeError("caddy is missing: apt-get install -y caddy (.ci/run does)")
        proxy = Process(
            [caddy, "run", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
            env,
            log=self.log("caddy" if https_port == self.https_port else f"caddy-{https_port}"),
        )
        proxy.spawn()
        self.processes.append(proxy)
        proxy.wait_until(lambda: _https_ok(url + "/api/v1/ready"), 30, f"caddy on {url}")
        return url

    def certificate(self) -> tuple[Path, Path]:
        from checkin.devcert import ensure_certificate

        return ensure_certificate(self.root / "tls", ["127.0.0.1"])

    def stop(self) -> None:
        while self.processes:
            self.processes.pop().stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    """make run-prod: the stack on this machine's PostgreSQL (its own database, created when
    missing) and Redis, until Ctrl-C. Its folders (instance/prod/) and database persist."""
    import signal
    import time

    import psycopg
    from sqlalchemy.engine import make_url

    admin = os.environ.get("CHECKIN_PROD_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = os.environ.get("CHECKIN_PROD_DATABASE", "checkin_prod")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    root = ROOT / "instance" / "prod"
    root.mkdir(parents=True, exist_ok=True)
    # One secret for the deployment, kept: the signing keys in the database are encrypted with it.
    secret = root / "secret_key"
    if not secret.exists():
        secret.touch(mode=0o600)
        secret.write_text(secrets.token_hex(32))
    stack = Stack(
        root,
        database_uri=make_url(admin).set(database=name).render_as_string(hide_password=False),
        redis_url=os.environ.get("CHECKIN_PROD_REDIS_URL", "redis://127.0.0.1:6379/0"),
        secret_key=secret.read_text().strip(),
        https_port=int(os.environ.get("PROD_PORT", 8443)),
        settings={"CHECKIN_RATELIMIT_KEY_PREFIX": "checkin-prod"},
    )
    # Ctrl-C even when started with SIGINT ignored (a background job); TERM and HUP stop it too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(0))
    with stack:
        print(stack.flask("seed"), end="")
        print(f"\n  checkin (production stack) at {stack.url}/  (self-signed certificate: accept it once)")
        for server in stack.servers:
            print(f"    app server {server.url}  log {server.log.relative_to(ROOT)}")
        print(
            f"    proxy log {stack.log('caddy').relative_to(ROOT)}, mail worker log "
            f"{stack.log('mail').relative_to(ROOT)}\n  Ctrl-C stops everything.\n",
            flush=True,
        )
        try:
            while all(p.process.poll() is None for p in stack.processes):
                time.sleep(1)
            print("a process of the stack exited; stopping (see the logs above)", file=sys.stderr)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
