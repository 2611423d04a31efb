"""Transports: how a rendered message leaves the service (SMTP, or .eml files for local use).

Errors are sorted into the kinds the outbox acts on: transient (4xx replies, dropped
connections, timeouts: retry later), throttled (the server asks us to slow down, whatever the
code: pause the sender) and permanent (other 5xx replies: stop and tell staff).
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ingest.tls import client_tls_context
from notifications.throttle import is_throttle_reply


class TransientSendError(Exception):
    """Try again later."""


class PermanentSendError(Exception):
    """Retrying will not help; a person must look."""


class ThrottledSendError(TransientSendError):
    """The server asks us to slow down (NetEase MI:SFQ, DT:SPM …): pause the whole sender."""


class Transport(Protocol):
    def send(self, raw: bytes, *, sender: str, recipients: list[str], message_id: str) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Writes each message to ``<dir>/<message-id>.eml``; a resend overwrites, never doubles."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, raw: bytes, *, sender: str, recipients: list[str], message_id: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", message_id.strip("<>")) + ".eml"
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, self.directory / name)

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True, slots=True)
class SmtpAccount:
    host: str
    port: int
    username: str
    password: str
    security: str = "ssl"  # ssl | starttls | none
    verify_tls: bool = True
    ca_file: str = ""
    timeout: float = 60.0

    def __repr__(self) -> str:  # never show the password
        return f"SmtpAccount({self.username}@{self.host}:{self.port})"


def _classify(error: smtplib.SMTPResponseException) -> Exception:
    text = (
        error.smtp_error.decode("utf-8", "replace")
        if isinstance(error.smtp_error, bytes)
        else str(error.smtp_error)
    )
    message = f"{error.smtp_code} {text}"
    if is_throttle_reply(text):
        return ThrottledSendError(message)
    if 400 <= error.smtp_code < 500:
        return TransientSendError(message)
    return PermanentSendError(message)


def _classify_refused(recipients: dict[str, tuple[int, bytes]]) -> Exception:
    replies = {
        addr: (code, text.decode("utf-8", "replace")) for addr, (code, text) in recipients.items()
    }
    message = "收件人被拒绝：" + "；".join(f"{a} {c} {t}" for a, (c, t) in replies.items())
    if any(is_throttle_reply(text) for _, text in replies.values()):
        return ThrottledSendError(message)
    if all(400 <= code < 500 for code, _ in replies.values()):
        return TransientSendError(message)
    return PermanentSendError(message)


class SmtpTransport:
    """One authenticated SMTP connection, opened on first use and reused for a batch."""

    def __init__(self, account: SmtpAccount) -> None:
        self.account = account
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        a = self.account
        context: ssl.SSLContext = client_tls_context(verify=a.verify_tls, ca_file=a.ca_file)
        smtp: smtplib.SMTP
        if a.security == "ssl":
            smtp = smtplib.SMTP_SSL(a.host, a.port, timeout=a.timeout, context=context)
        else:
            smtp = smtplib.SMTP(a.host, a.port, timeout=a.timeout)
            if a.security == "starttls":
                smtp.starttls(context=context)
        if a.username:
            smtp.login(a.username, a.password)
        return smtp

    def send(self, raw: bytes, *, sender: str, recipients: list[str], message_id: str) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.sendmail(sender, recipients, raw)
        except smtplib.SMTPAuthenticationError as error:
            # A wrong or expired authorisation code is fixed by a person; the letter must wait.
            self.close()
            raise TransientSendError(f"SMTP 登录失败，请检查授权码：{error.smtp_code}") from error
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            raise _classify_refused(error.recipients) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            raise _classify(error) from error
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as error:
            self.close()
            raise TransientSendError(f"{type(error).__name__}: {error}") from error
        if refused:
            raise PermanentSendError(f"部分收件人被拒绝：{refused}")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None
