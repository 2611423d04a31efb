"""An in-process aiosmtpd server with TLS (implicit or STARTTLS) and AUTH, recording what it gets.

Pitfalls handled (see NOTES-stack.md): the authenticator returns ``AuthResult(handled=False)``
so a failed login gets its 535; on an implicit-TLS port AUTH is only advertised with
``auth_require_tls=False`` (the connection is already encrypted).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers.ports import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.raw)


DROP = "DROP"  # a scripted "reply" that closes the connection without answering


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    # Replies to give instead of 250, consumed one per DATA: e.g. "451 4.7.1 MI:SFQ try later",
    # or DROP to hang up mid-transaction.
    scripted: list[str] = field(default_factory=list)
    # Replies to RCPT TO instead of 250, consumed one per recipient: e.g. "550 5.1.1 no such user".
    scripted_rcpt: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.scripted_rcpt:
            return self.scripted_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.scripted:
            reply = self.scripted.pop(0)
            if reply == DROP:
                assert server.transport is not None
                getattr(server.transport, "abort", server.transport.close)()
                return "421 connection dropped"
            return reply
        content = envelope.original_content or b""
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 2.0.0 OK queued"


class Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.attempts: list[str] = []

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append(user)
        return AuthResult(success=self.users.get(user) == password, handled=False)


class _TLSController(Controller):
    def __init__(
        self, *args: Any, implicit_tls: bool, server_context: ssl.SSLContext, **kwargs: Any
    ) -> None:
        self._implicit = implicit_tls
        self._server_context = server_context
        super().__init__(*args, **kwargs)

    def _trigger_server(self) -> None:
        # The base class connects in plain text to trigger the server; with implicit TLS wrap it.
        if not self._implicit:
            return super()._trigger_server()
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with (
            socket.create_connection((self.hostname, self.port), timeout=5) as raw,
            context.wrap_socket(raw) as sock,
        ):
            sock.recv(1024)


@dataclass
class SmtpServer:
    ca: trustme.CA
    implicit_tls: bool = True
    users: dict[str, str] = field(default_factory=lambda: {"office@test.example": "smtp-secret"})
    handler: RecordingHandler = field(default_factory=RecordingHandler)
    port: int = 0
    _controller: Controller | None = None

    def start(self) -> None:
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        self.authenticator = Authenticator(self.users)
        self.port = self.port or free_port()  # a restarted server keeps its port
        options: dict[str, Any] = {
            "authenticator": self.authenticator,
            "auth_required": True,
        }
        if self.implicit_tls:
            options.update(ssl_context=context, auth_require_tls=False)
        else:
            options.update(tls_context=context, require_starttls=True, auth_require_tls=True)
        self._controller = _TLSController(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            implicit_tls=self.implicit_tls,
            server_context=context,
            server_hostname="localhost",
            **options,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received
