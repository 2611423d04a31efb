"""A throwaway Dovecot on loopback: plain IMAP and IMAPS ports, passwd-file users, Maildir homes.

Self-contained in one directory (base_dir, state, log, certificates, homes). As root, mail
processes run as ``nobody`` (Dovecot refuses root for mail access).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import trustme
from imapclient import IMAPClient

from tests.servers.ports import free_port, wait_for_port

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
{user_settings}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
  {chroot}
}}
{extra_services}
"""

NON_ROOT_SERVICES = """\
service anvil {
  chroot =
}
service imap-hibernate {
  chroot =
}
"""


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None or Path("/usr/sbin/dovecot").exists()


@dataclass
class DovecotServer:
    directory: Path
    ca: trustme.CA
    users: dict[str, str] = field(default_factory=lambda: {"office@test.example": "office-secret"})
    imap_port: int = 0
    imaps_port: int = 0

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def config_file(self) -> Path:
        return self.directory / "dovecot.conf"

    def _write_config(self) -> None:
        d = self.directory
        d.chmod(0o755)  # Dovecot's auth process runs as the dovecot user and reads users here
        for sub in ("run", "state", "home"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        cert.private_key_pem.write_to_path(str(d / "key.pem"))
        cert.cert_chain_pems[0].write_to_path(str(d / "cert.pem"))
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        (d / "users").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items())
        )
        if os.geteuid() == 0:
            user = pwd.getpwnam("nobody")
            uid, gid = user.pw_uid, user.pw_gid
            os.chown(d / "home", uid, gid)
            user_settings, chroot, extra = "", "", ""
        else:
            uid, gid = os.getuid(), os.getgid()
            name = pwd.getpwuid(uid).pw_name
            group = name
            user_settings = (
                f"default_login_user = {name}\ndefault_internal_user = {name}\n"
                f"default_internal_group = {group}\nmail_uid = {uid}\nmail_gid = {gid}\n"
            )
            chroot, extra = "chroot =", NON_ROOT_SERVICES
        self.imap_port, self.imaps_port = free_port(), free_port()
        self.config_file.write_text(
            CONFIG.format(
                dir=d,
                uid=uid,
                gid=gid,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                user_settings=user_settings,
                chroot=chroot,
                extra_services=extra,
            )
        )

    def start(self) -> None:
        self._write_config()
        binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
        subprocess.run([binary, "-c", str(self.config_file)], check=True)
        wait_for_port(self.imap_port)
        wait_for_port(self.imaps_port)

    def stop(self) -> None:
        pid_file = self.directory / "run" / "master.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)

    def client(self, user: str = "office@test.example") -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False)
        client.login(user, self.users[user])
        return client

    def append(
        self, raw: bytes, *, user: str = "office@test.example", folder: str = "INBOX"
    ) -> None:
        with self.client(user) as client:
            client.append(folder, raw)

    def reset_mailbox(self, user: str = "office@test.example", folder: str = "INBOX") -> None:
        """Delete every message in ``folder`` (UIDVALIDITY stays)."""
        with self.client(user) as client:
            client.select_folder(folder)
            uids = client.search()
            if uids:
                client.delete_messages(uids)
                client.expunge()
