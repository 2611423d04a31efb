"""Real protocol peers for the tests: Dovecot (IMAP), aiosmtpd (SMTP), PostgreSQL."""
