"""The job engine: procrastinate on PostgreSQL, an in-process runner on SQLite; the worker command; job statistics.

Domains defer work through ``app.core.jobs``; this package registers their task functions and runs them.
"""
