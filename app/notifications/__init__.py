"""Notifications: the outbox, e-mail and signed webhooks, on-call escalation (docs/notifications.md).

The job engine imports ``app.notifications.tasks`` to register the task functions by name.
"""
