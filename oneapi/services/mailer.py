"""Sending e-mail through the SMTP server configured in the options (SMTPServer, SMTPPort, SMTPAccount,
SMTPToken, SMTPFrom), as the original does for verification codes and password resets."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from oneapi.services.errors import ServiceError
from oneapi.services.options import options

TIMEOUT = 20


def send(subject: str, receiver: str, html: str) -> None:
    server = options.get("SMTPServer").strip()
    account = options.get("SMTPAccount").strip()
    if not server or not account:
        raise ServiceError("SMTP 服务器未配置")
    port = options.get_int("SMTPPort", 587) or 587
    sender = options.get("SMTPFrom").strip() or account
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = f"{options.get('SystemName') or 'One API'} <{sender}>"
    msg["To"] = receiver
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(html, subtype="html")
    try:
        if port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(server, port, timeout=TIMEOUT,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(server, port, timeout=TIMEOUT)
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
        with client:
            if options.get("SMTPToken"):
                client.login(account, options.get("SMTPToken"))
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise ServiceError(f"邮件发送失败：{type(exc).__name__}") from None
