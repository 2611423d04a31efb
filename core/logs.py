"""Logging set-up: one format, and a filter that masks personal data in every record (Art. 17)."""

from __future__ import annotations

import logging
import sys

from core.masking import mask_personal_data


class MaskingFilter(logging.Filter):
    """Rewrite each record's message with personal data masked; arguments are folded in first."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        return True


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr with masking; idempotent so tests and the CLI may call it repeatedly."""
    root = logging.getLogger()
    root.setLevel(level.upper())
    for handler in root.handlers:
        if getattr(handler, "_zwsx", False):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    handler._zwsx = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    # aiosmtpd and APScheduler are chatty at INFO; keep their warnings.
    for noisy in ("mail.log", "apscheduler.executors.default", "jieba", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
