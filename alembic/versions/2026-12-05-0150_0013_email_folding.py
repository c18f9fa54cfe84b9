"""auth: e-mail addresses compared in one Unicode-aware way on both backends (``user_account.email_folded``)

SQL ``lower()`` folds only ASCII on SQLite, so "ÉMILE@…" could not sign in as "émile@…" and "Émile@…" could
become a second account. ``email_folded`` holds ``app.auth.emails.fold_email(email)`` (NFC, stripped, Python
``casefold``), computed in Python here for existing rows and by the application on every insert and update;
a unique index on it makes two accounts with one folded address impossible. Existing addresses are also
stored NFC-normalized and stripped.

If two existing accounts fold to the same address, the migration stops with the ids of the accounts concerned
(and changes nothing): an administrator must rename or merge one of them first.

The column is nullable only so that SQLite can add it without rebuilding the table (a rebuild would lose the
expression index ``user_account_email_lower_key``); the application always sets it.

Revision ID: 0013_email_folding
Revises: 0012_org_settings_reset
Create Date: 2026-12-05 01:50:00+00:00
"""
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from alembic import op

revision: str = '0013_email_folding'
down_revision: str | Sequence[str] | None = '0012_org_settings_reset'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_user = sa.table('user_account', sa.column('id', sa.Uuid()), sa.column('email', sa.String()),
                 sa.column('email_folded', sa.String()))


def _fold(email: str) -> str:
    # A copy of app.auth.emails.fold_email as of this revision (migrations must not follow later code changes).
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", email).strip().casefold())
    local, at, domain = folded.rpartition("@")
    if at and "xn--" in domain:
        try:
            domain = domain.encode("ascii").decode("idna").casefold()
        except (UnicodeError, ValueError):
            pass
        folded = unicodedata.normalize("NFC", f"{local}@{domain}")
    return folded


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_user.c.id, _user.c.email)).all()
    by_fold: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_fold[_fold(row.email)].append(str(row.id))
    collisions = [ids for ids in by_fold.values() if len(ids) > 1]
    if collisions:
        listed = "; ".join(", ".join(sorted(ids)) for ids in collisions)
        raise RuntimeError(
            f"0013_email_folding: {len(collisions)} group(s) of user accounts have e-mail addresses that are the "
            f"same once Unicode-normalized and case-folded (user ids: {listed}). Change or merge the addresses "
            "of all but one account in each group, then run the migration again. Nothing was changed."
        )
    op.add_column('user_account', sa.Column('email_folded', sqlmodel.sql.sqltypes.AutoString(length=320),
                                            nullable=True))
    for row in rows:
        conn.execute(_user.update().where(_user.c.id == row.id).values(
            email=unicodedata.normalize("NFC", row.email).strip(), email_folded=_fold(row.email)))
    op.create_index('user_account_email_folded_key', 'user_account', ['email_folded'], unique=True)


def downgrade() -> None:
    op.drop_index('user_account_email_folded_key', table_name='user_account')
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('email_folded')
