"""A self-signed certificate for demos on a local network: phones give the camera only to HTTPS.

`python -m checkin.devcert FOLDER` writes FOLDER/lan-cert.pem and FOLDER/lan-key.pem (kept when
they already name this machine's current addresses) and prints the URLs to open on a phone.
Production uses a real certificate on the TLS proxy instead (README, "Gate on a phone").
"""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_FOR = timedelta(days=30)


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses, loopback first; read from the system, no traffic sent."""
    found = {"127.0.0.1"}
    try:
        listing = subprocess.run(
            ["ip", "-o", "-4", "addr", "show", "up"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
        for line in listing.splitlines():
            parts = line.split()
            if "inet" in parts:
                found.add(parts[parts.index("inet") + 1].split("/")[0])
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))  # an IPv4 sockaddr: (host, port)
    except OSError:
        pass
    return sorted(found, key=lambda a: (a != "127.0.0.1", ipaddress.ip_address(a)))


def _covers(cert_path: Path, addresses: list[str]) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    listed = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    fresh = cert.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1)
    return fresh and set(addresses) <= listed


def ensure_certificate(folder: Path, addresses: list[str]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "lan-cert.pem", folder / "lan-key.pem"
    if key_path.exists() and _covers(cert_path, addresses):
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "checkin LAN demo")])
    now = datetime.now(UTC)
    sans: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.DNSName(socket.gethostname())]
    sans += [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def main(argv: list[str]) -> None:
    folder = Path(argv[1] if len(argv) > 1 else "instance")
    port = argv[2] if len(argv) > 2 else "8443"
    addresses = lan_addresses()
    ensure_certificate(folder, addresses)
    print("\n  Open the gate on a phone on the same network (accept the certificate warning once):")
    for address in addresses:
        print(f"    https://{address}:{port}/login")
    print()


if __name__ == "__main__":
    main(sys.argv)
