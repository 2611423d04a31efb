"""Signed case tokens in Message-IDs, so a unit's reply can be tied to its case and verified.

Every outgoing message gets ``<zwsx.c<case>.<kind>.<nonce>.<sig>@<domain>>`` where ``sig`` is an
HMAC-SHA256 of the other parts under the service's secret. A reply's In-Reply-To/References
carry it back; a forged or altered id does not verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_TOKEN_RE = re.compile(r"<zwsx\.c(\d+)\.([a-z_]+)\.([a-z0-9]+)\.([a-z0-9]+)@[^<>\s]+>")
SIG_CHARS = 16


@dataclass(frozen=True, slots=True)
class CaseToken:
    case_id: int
    kind: str


def _signature(secret: bytes, case_id: int, kind: str, nonce: str) -> str:
    digest = hmac.new(secret, f"{case_id}.{kind}.{nonce}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower().rstrip("=")[:SIG_CHARS]


def make_message_id(secret: bytes, *, case_id: int, kind: str, domain: str) -> str:
    """A fresh, signed Message-ID for a letter about ``case_id``."""
    if not re.fullmatch(r"[a-z_]+", kind):
        raise ValueError(f"letter kind must be lower-case letters and underscores: {kind!r}")
    nonce = secrets.token_hex(6)
    return f"<zwsx.c{case_id}.{kind}.{nonce}.{_signature(secret, case_id, kind, nonce)}@{domain}>"


def verify_message_id(secret: bytes, message_id: str) -> CaseToken | None:
    """The case token in ``message_id`` if its signature verifies, else None."""
    match = _TOKEN_RE.fullmatch(message_id.strip())
    if not match:
        return None
    case_id, kind, nonce, sig = int(match[1]), match[2], match[3], match[4]
    if not hmac.compare_digest(sig, _signature(secret, case_id, kind, nonce)):
        return None
    return CaseToken(case_id=case_id, kind=kind)


def find_case_token(secret: bytes, message_ids: list[str]) -> CaseToken | None:
    """The first verifying token among a reply's In-Reply-To and References ids."""
    for message_id in message_ids:
        token = verify_message_id(secret, message_id)
        if token is not None:
            return token
    return None
