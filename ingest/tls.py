"""TLS contexts for IMAP and SMTP: certificate verification on unless a setting turns it off."""

from __future__ import annotations

import ssl


def client_tls_context(*, verify: bool = True, ca_file: str = "") -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
