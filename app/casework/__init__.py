"""Casework: the floor where the domains meet.

A domain package (clients, custody, protection, deadlines, ...) knows its own tables and rules and may use
the domains *below* it (see ``.importlinter``); it never calls up. A use case that must touch a higher domain
after a lower one — record a custody event, then raise the alerts it implies; show staff one status view built
from custody, protection and deadlines; list clients with their current custody; import clients with their first
custody events — lives here, as a plain function that runs the domain steps in order inside one transaction.
Routes for those use cases live in ``app.casework.router``. See docs/architecture.md.
"""
