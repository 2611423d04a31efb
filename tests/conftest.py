"""Shared fixtures: real servers (Dovecot, aiosmtpd, PostgreSQL), settings, an injected clock.

Servers missing from the machine skip their tests with the reason, unless
``ZWSX_REQUIRE_SERVERS=1`` (set by scripts/test.sh and CI), which turns a skip into a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import ssl
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from config.settings import Settings, parse_settings
from core.clock import FixedClock
from daemon.service import Service
from tests.servers.dovecot import DovecotServer, dovecot_available
from tests.servers.netease import NetEaseProxy
from tests.servers.postgres import PostgresServer, postgres_available
from tests.servers.smtp import SmtpServer

REQUIRE_SERVERS = os.environ.get("ZWSX_REQUIRE_SERVERS") == "1"
TOKEN_SECRET = "test-token-secret"


def _unavailable(what: str) -> None:
    message = f"{what} is not installed here; scripts/test.sh installs it"
    if REQUIRE_SERVERS:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def dovecot(ca: trustme.CA) -> Iterator[DovecotServer]:
    if not dovecot_available():
        _unavailable("Dovecot")
    directory = Path(tempfile.mkdtemp(prefix="zwsx-dovecot-"))
    server = DovecotServer(directory, ca)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


def _proxy(dovecot: DovecotServer, ca: trustme.CA, **options: Any) -> NetEaseProxy:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    proxy = NetEaseProxy(upstream_port=dovecot.imap_port, ssl_context=context, **options)
    proxy.start()
    return proxy


@pytest.fixture(scope="session")
def netease(dovecot: DovecotServer, ca: trustme.CA) -> Iterator[NetEaseProxy]:
    """imap.126.com as the tests see it: implicit TLS, SELECT refused until ID was sent."""
    proxy = _proxy(dovecot, ca, require_id=True)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def plain_imap(dovecot: DovecotServer, ca: trustme.CA) -> Iterator[NetEaseProxy]:
    """A plainer IMAP server: no ID, no IDLE, no MOVE advertised (so polling and COPY+EXPUNGE)."""
    proxy = _proxy(dovecot, ca, require_id=False, hide=frozenset({"ID", "IDLE", "MOVE"}))
    yield proxy
    proxy.stop()


@pytest.fixture
def imap_folder(dovecot: DovecotServer) -> str:
    """A fresh folder per test, so tests never see each other's mail."""
    name = f"t{uuid.uuid4().hex[:10]}"
    with dovecot.client() as client:
        client.create_folder(name)
    return name


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if not postgres_available():
        _unavailable("PostgreSQL")
    directory = Path(tempfile.mkdtemp(prefix="zwsx-pg-"))
    directory.chmod(0o755)
    server = PostgresServer(directory / "cluster")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def smtp_server(ca: trustme.CA) -> Iterator[SmtpServer]:
    server = SmtpServer(ca=ca, implicit_tls=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run the test once on SQLite and once on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'zwsx.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database(f"zwsx_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def clock() -> FixedClock:
    # Wednesday 2026-11-25 09:00 Beijing time.
    return FixedClock(dt.datetime(2026, 11, 25, 1, 0, tzinfo=dt.UTC))


def settings_data(base_dir: Path, **sections: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "service": {"base_dir": str(base_dir)},
        "database": {"url": f"sqlite:///{base_dir / 'zwsx.db'}"},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return data


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def build(**sections: dict[str, Any]) -> Settings:
        return parse_settings(settings_data(tmp_path, **sections))

    return build


@pytest.fixture
def make_service(clock: FixedClock) -> Iterator[Callable[..., Service]]:
    built: list[Service] = []

    def build(settings: Settings, environ: dict[str, str] | None = None) -> Service:
        env = {"ZWSX_TOKEN_SECRET": TOKEN_SECRET, **(environ or {})}
        service = Service(settings, clock=clock, environ=env)
        built.append(service)
        return service

    yield build
    for service in built:
        service.close()
