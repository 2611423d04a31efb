"""Notifications: letters rendered from templates, queued in a durable outbox, sent over SMTP."""
