"""The production stack of deploy/ (tests/support/stack.py) for the tests in this folder: Caddy
over HTTPS, two app servers on a PostgreSQL database of their own, Redis, the mail worker.
Every process listens on 127.0.0.1 and free ports, and stops when the module's tests end,
whether they passed or not. One worker a server: two servers are what the tests need, and CI
has two cores."""

from __future__ import annotations

import secrets
import uuid

import pytest

from tests.bench.server import PostgresDatabase
from tests.support import services
from tests.support.databases import PG_URL
from tests.support.stack import Stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not PG_URL:
        services.missing("PostgreSQL: set CHECKIN_TEST_DATABASE_URL (CI does)")
    redis_url = services.redis_url()
    services.caddy_path()
    prefix = f"checkin-stack-{uuid.uuid4().hex[:8]}"
    root = tmp_path_factory.mktemp("stack")
    with PostgresDatabase(PG_URL, prefix="checkin_stack") as database:
        try:
            with Stack(
                root,
                database_uri=database.uri,
                redis_url=redis_url,
                secret_key=secrets.token_hex(32),
                workers=1,
                settings={"CHECKIN_RATELIMIT_KEY_PREFIX": prefix},
            ) as running:
                yield running
        finally:
            import redis

            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=f"{prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()
