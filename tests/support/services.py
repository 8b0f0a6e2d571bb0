"""Services a test may need (PostgreSQL, Redis, Chromium): skip locally when missing, with the
reason; fail in CI (.ci/run sets CHECKIN_TEST_REQUIRE_SERVICES), where every test must run."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRED = os.environ.get("CHECKIN_TEST_REQUIRE_SERVICES") == "1"


def missing(reason: str):
    if REQUIRED:
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing("Chromium: apt-get install -y chromium (.ci/run does)")
    return path


def caddy_path() -> str:
    path = shutil.which("caddy")
    if path is None:
        missing("Caddy: apt-get install -y caddy (.ci/run does)")
    return path


def redis_url() -> str:
    url = os.environ.get("CHECKIN_TEST_REDIS_URL")
    if not url:
        missing("Redis: set CHECKIN_TEST_REDIS_URL (CI does)")
    return url
