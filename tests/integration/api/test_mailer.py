"""The SMTP sender against a local SMTP server (no TLS offered, no login when SMTPToken is empty)."""
from __future__ import annotations

import email
import email.policy
import threading
import warnings

import pytest

from tests.integration.api.conftest import failure, ok_data
from tests.support.server import free_port

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd


class _Inbox(smtpd.SMTPServer):
    def __init__(self, port):
        super().__init__(("127.0.0.1", port), None, decode_data=False)
        self.messages = []

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        self.messages.append((mailfrom, rcpttos, email.message_from_bytes(data, policy=email.policy.default)))


@pytest.fixture
def smtp_server():
    port = free_port()
    server = _Inbox(port)
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.05}, daemon=True)
    thread.start()
    yield port, server
    server.close()
    thread.join(2)


def test_verification_mail_goes_through_smtp(sqlite_client, smtp_server):
    port, server = smtp_server
    c = sqlite_client
    for key, value in (("SMTPServer", "127.0.0.1"), ("SMTPPort", str(port)), ("SMTPAccount", "bot@gw.example"),
                       ("SystemName", "Gateway")):
        ok_data(c, "PUT", "/api/option/", "root", json={"key": key, "value": value})
    ok_data(c, "GET", "/api/verification?email=dana@example.com")
    mailfrom, rcpts, msg = server.messages[-1]
    assert mailfrom == "bot@gw.example" and rcpts == ["dana@example.com"]
    assert msg["Subject"] == "Gateway邮箱验证邮件" and msg["To"] == "dana@example.com"
    assert "验证码" in msg.get_content()
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "SMTPPort", "value": str(free_port())})
    assert failure(c, "GET", "/api/verification?email=erin@example.com").startswith("邮件发送失败")
