"""Signing keys are one per deployment (issue 12): kept in the database, shared by every app
server, rotated and retired from the command line; a production server without the shared
secret key refuses to start."""

from __future__ import annotations

import threading

import pytest

from tests.support.databases import PG_URL


def _second_server(app_config, tmp_path, name="b", **overrides):
    """Another app server: its own (empty) instance folder, the same database and secret."""
    from checkin import create_app

    return create_app({**app_config, "INSTANCE_PATH": str(tmp_path / name), **overrides})


def _sign(app, code="ABCDEFGH"):
    from checkin import tickets

    with app.app_context():
        return tickets.sign_payload(code, app.extensions["checkin_keyring"])


def _verifies(app, payload) -> bool:
    from checkin import tickets

    with app.app_context():
        return tickets.verify_payload(payload, app.extensions["checkin_keyring"]) is not None


def _published(app) -> list[str]:
    return [k["kid"] for k in app.test_client().get("/api/v1/keys").get_json()["keys"]]


def test_two_servers_on_one_database_verify_each_others_tickets(app, app_config, tmp_path):
    b = _second_server(app_config, tmp_path)
    from_a, from_b = _sign(app, "ABCDEFGH"), _sign(b, "JKMNPQRS")
    assert _verifies(b, from_a) and _verifies(app, from_b)
    assert _published(app) == _published(b) and len(_published(app)) == 1
    assert not (tmp_path / "b" / "keys").exists()  # nothing per server on disk


def test_servers_starting_together_make_one_first_key(app, app_config, tmp_path):
    servers = [_second_server(app_config, tmp_path, f"s{i}") for i in range(4)]
    barrier = threading.Barrier(len(servers))
    kids = []

    def start(server):
        barrier.wait(timeout=10)
        with server.app_context():
            kids.append(server.extensions["checkin_keyring"].current.kid)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(kids) == 4 and len(set(kids)) == 1


def test_rotation_keeps_old_tickets_until_the_old_key_is_retired(app, app_config, tmp_path, runner):
    old = _sign(app)
    old_kid = old.split(":")[1]
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    new_kid = rotated.output.split()[0]
    later = _second_server(app_config, tmp_path, "later")
    assert _sign(later).split(":")[1] == new_kid
    assert _verifies(later, old)
    assert _published(later) == [new_kid, old_kid]
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"{new_kid}  signing" in listing and f"{old_kid}  verifying" in listing
    refused = runner.invoke(args=["keys", "retire", new_kid])
    assert refused.exit_code != 0 and "rotate first" in refused.output
    assert runner.invoke(args=["keys", "retire", "ZZZZZ"]).exit_code != 0
    assert runner.invoke(args=["keys", "retire", old_kid]).exit_code == 0
    after = _second_server(app_config, tmp_path, "after")
    assert not _verifies(after, old) and _published(after) == [new_kid]
    assert f"{old_kid}  retired" in runner.invoke(args=["keys", "list"]).output


def test_a_running_server_learns_a_rotation_by_itself(app, app_config, tmp_path):
    b = _second_server(app_config, tmp_path)
    old = _sign(b)
    with app.app_context():
        from checkin import keystore
        from checkin.database import utcnow

        new_kid = keystore.rotate(app.config["SECRET_KEY"], now=utcnow())
    fresh = _sign(_second_server(app_config, tmp_path, "c"))
    assert _verifies(b, fresh) and _verifies(b, old)  # an unknown key id makes it look again
    b.extensions["checkin_keyring"]._refresh_seconds = 0  # what REFRESH_SECONDS later brings
    assert _sign(b).split(":")[1] == new_kid


def test_export_and_import(app, app_config, tmp_path, runner):
    from checkin.signing import Keyring, to_pem

    ticket = _sign(app)
    out = tmp_path / "keys.pem"
    assert runner.invoke(args=["keys", "export", "--out", str(out)]).exit_code == 0
    assert out.stat().st_mode & 0o077 == 0 and out.read_bytes().count(b"BEGIN PRIVATE KEY") == 1
    assert "already present" in runner.invoke(args=["keys", "import", str(out)]).output
    outsider = Keyring.generate()
    (tmp_path / "new.pem").write_bytes(to_pem(outsider.current.private_key))
    imported = runner.invoke(args=["keys", "import", str(tmp_path / "new.pem")])
    assert imported.exit_code == 0 and outsider.current.kid in imported.output
    later = _second_server(app_config, tmp_path, "later")
    assert _sign(later).split(":")[1] == outsider.current.kid and _verifies(later, ticket)


def test_an_old_instance_folders_keys_are_taken_over(app_config, tmp_path):
    """Upgrading a deployment that kept its key in instance/keys/: its tickets stay valid."""
    from checkin.signing import Keyring, to_pem

    legacy = Keyring.generate()
    folder = tmp_path / "old" / "keys"
    folder.mkdir(parents=True)
    (folder / f"{legacy.current.kid}.ed25519.pem").write_bytes(to_pem(legacy.current.private_key))
    from checkin import tickets

    old_ticket = tickets.sign_payload("ABCDEFGH", legacy)
    upgraded = _second_server(app_config, tmp_path, "old")
    assert _verifies(upgraded, old_ticket) and _published(upgraded) == [legacy.current.kid]


def test_a_server_with_another_secret_key_says_so(app, app_config, tmp_path):
    from checkin.keystore import WrongSecretKey

    _sign(app)
    stranger = _second_server(app_config, tmp_path, SECRET_KEY="not the deployment's")
    with stranger.app_context(), pytest.raises(WrongSecretKey, match="CHECKIN_SECRET_KEY"):
        stranger.extensions["checkin_keyring"].check()
    ready = stranger.test_client().get("/api/v1/ready")
    assert ready.status_code == 503 and ready.get_json()["down"] == ["signing_keys"]


@pytest.mark.parametrize("how", ["postgresql", "CHECKIN_ENV"])
def test_production_without_the_shared_secret_refuses_to_start(tmp_path, monkeypatch, how):
    from checkin import create_app
    from checkin.config import ConfigurationError

    monkeypatch.delenv("CHECKIN_SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path / "i")}
    if how == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = PG_URL or "postgresql://nobody@127.0.0.1:9/none"
    else:
        monkeypatch.setenv("CHECKIN_ENV", "production")
    with pytest.raises(ConfigurationError, match="CHECKIN_SECRET_KEY is not set"):
        create_app(config)
    assert not (tmp_path / "i" / "secret_key").exists()


def test_development_on_sqlite_needs_no_setup(tmp_path, monkeypatch):
    from checkin import create_app

    monkeypatch.delenv("CHECKIN_SECRET_KEY", raising=False)
    monkeypatch.delenv("CHECKIN_ENV", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i")})
    assert app.config["ENV"] == "development" and len(app.config["SECRET_KEY"]) == 64
