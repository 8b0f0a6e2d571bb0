"""`make run-lan`'s certificate: this machine's addresses as names, reused while it fits, and a
real HTTPS server on loopback that a client verifying against it reaches."""

from __future__ import annotations

import ssl
import threading
import urllib.request

from cryptography import x509
from werkzeug.serving import make_server

from checkin import devcert


def san_ips(path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def test_the_certificate_names_the_addresses_and_is_kept_while_it_fits(tmp_path):
    addresses = devcert.lan_addresses()
    assert addresses[0] == "127.0.0.1"
    cert, key = devcert.ensure_certificate(tmp_path, addresses)
    assert san_ips(cert) == set(addresses)
    assert key.stat().st_mode & 0o077 == 0  # the private key is the owner's alone
    first = cert.read_bytes()
    devcert.ensure_certificate(tmp_path, addresses)
    assert cert.read_bytes() == first
    devcert.ensure_certificate(tmp_path, [*addresses, "10.11.12.13"])  # the phone's Wi-Fi changed
    assert cert.read_bytes() != first and "10.11.12.13" in san_ips(cert)


def test_the_app_answers_over_https_with_that_certificate(app, tmp_path):
    cert, key = devcert.ensure_certificate(tmp_path, ["127.0.0.1"])
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=server_context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(
            f"https://127.0.0.1:{server.server_port}/login", context=client_context, timeout=10
        ) as response:
            assert response.status == 200
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
