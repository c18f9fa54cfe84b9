"""Notifications: the outbox written in the same transaction as the change, e-mail and signed webhooks, on-call
escalation, preferences and the delivery log."""
