"""The SMTP relay: STARTTLS when offered, then login, against a real aiosmtpd with a
certificate made for the test; smtps; a wrong URL."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from mailserver import Inbox, free_port

from statuspage.errors import StatusPageError
from statuspage.ops.mail import Connection, Relay


@pytest.fixture
def certificate(tmp_path, monkeypatch) -> tuple[Path, Path]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusted by the client, as a CA would be
    return key, cert


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"ops" and auth_data.password == b"s3cr:t"
    return AuthResult(success=ok)


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_tls_and_login(certificate, scheme):
    key, cert = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    # aiosmtpd counts only STARTTLS as TLS for its auth_require_tls
    options = {"tls_context": context, "require_starttls": True, "auth_require_tls": True} \
        if scheme == "smtp" else {"ssl_context": context, "auth_require_tls": False}
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=_authenticator, **options)
    controller.start()
    try:
        relay = Relay.parse(f"{scheme}://ops:s3cr%3At@127.0.0.1:{port}")
        connection = Connection(relay)
        outcome = connection.send("status@test.example", "ann@example.com",
                                  b"Subject: x\r\n\r\nhello\r\n")
        connection.close()
        assert outcome.state == "delivered", outcome.note
    finally:
        controller.stop()
    assert inbox.recipients() == ["ann@example.com"]


def test_relay_urls():
    assert Relay.parse("smtp://relay.example") == Relay("smtp", "relay.example", 25)
    assert Relay.parse("smtps://a%40b:p%2Fw@mail.example") == Relay(
        "smtps", "mail.example", 465, "a@b", "p/w")
    for wrong in ["http://x", "smtp://", "smtp://host:99999", "relay.example"]:
        with pytest.raises(StatusPageError):
            Relay.parse(wrong)
