"""A NetEase (126/163/yeah.net) test double: an asyncio IMAP proxy in front of Dovecot.

It terminates TLS like imap.126.com:993 and refuses SELECT/EXAMINE with NetEase's own words until
the client has sent the RFC 2971 ID command. It can also hide capabilities (``ID``, ``IDLE``,
``MOVE``) to play a plainer server, and drop every connection to play an outage. Literals are
passed through byte for byte in both directions, so message bodies are never rewritten.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
from dataclasses import dataclass, field

UNSAFE_LOGIN = b"NO SELECT Unsafe Login. Please contact kefu@188.com for help"
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
_COMMAND = re.compile(rb"^(\S+) (?:UID )?([A-Za-z]+)")


@dataclass
class NetEaseProxy:
    upstream_port: int
    ssl_context: ssl.SSLContext | None
    require_id: bool = True
    hide: frozenset[str] = frozenset()
    port: int = 0
    refused_selects: int = 0
    ids_seen: int = 0
    commands: list[str] = field(default_factory=list)
    down: bool = False
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.AbstractServer | None = None

    def start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", 0, ssl=self.ssl_context
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="netease-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("NetEase proxy did not start")

    def stop(self) -> None:
        if self._loop is None:
            return
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        state = {"id": False}
        tasks = [
            asyncio.ensure_future(self._client_to_server(reader, up_writer, writer, state)),
            asyncio.ensure_future(self._server_to_client(up_reader, writer)),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for w in (writer, up_writer):
            w.close()

    async def _client_to_server(
        self,
        reader: asyncio.StreamReader,
        upstream: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
        state: dict[str, bool],
    ) -> None:
        while line := await reader.readline():
            match = _COMMAND.match(line)
            command = match[2].upper().decode() if match else ""
            self.commands.append(command)
            if command == "ID":
                state["id"] = True
                self.ids_seen += 1
            if command in ("SELECT", "EXAMINE") and self.require_id and not state["id"]:
                self.refused_selects += 1
                client.write(match[1] + b" " + UNSAFE_LOGIN + b"\r\n")  # type: ignore[index]
                await client.drain()
                continue
            upstream.write(line)
            await self._pass_literal(line, reader, upstream)
            await upstream.drain()

    async def _server_to_client(
        self, upstream: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        while line := await upstream.readline():
            client.write(self._filter_capabilities(line))
            await self._pass_literal(line, upstream, client)
            await client.drain()

    async def _pass_literal(
        self, line: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        match = _LITERAL.search(line)
        if match:
            writer.write(await reader.readexactly(int(match[1])))

    def _filter_capabilities(self, line: bytes) -> bytes:
        if not self.hide or b"CAPABILITY" not in line.upper():
            return line
        for name in self.hide:
            line = re.sub(rb"(?i) " + name.encode() + rb"(?=[ \]\r])", b"", line)
        return line
