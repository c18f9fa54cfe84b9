"""field encryption: A-numbers and privileged notes encrypted at rest, A-number blind index

Revision ID: 0007_field_encryption
Revises: 0006_portal
Create Date: 2026-11-29 13:45:00+00:00

Existing plaintext rows are encrypted with the configured keys (DATA_ENCRYPTION_KEYS / BLIND_INDEX_KEY)
in this migration; the downgrade decrypts them back.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0007_field_encryption'
down_revision: str | Sequence[str] | None = '0006_portal'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_client = sa.table(
    'client', sa.column('id', sa.Uuid()), sa.column('organization_id', sa.Uuid()),
    sa.column('a_number', sa.String()), sa.column('privileged_notes', sa.String()),
    sa.column('a_number_ct', sa.String()), sa.column('a_number_bidx', sa.String()),
    sa.column('privileged_notes_ct', sa.Text()),
)


def upgrade() -> None:
    from app.core.crypto import KeyRing
    from app.core.keyring import ring

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('a_number_ct', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('a_number_bidx', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('privileged_notes_ct', sa.Text(), nullable=True))

    bind = op.get_bind()
    keys = ring()
    rows = bind.execute(sa.select(_client.c.id, _client.c.organization_id, _client.c.a_number,
                                  _client.c.privileged_notes)
                        .where(sa.or_(_client.c.a_number.is_not(None), _client.c.privileged_notes.is_not(None))))
    for rid, org, a_number, notes in rows.fetchall():
        bind.execute(_client.update().where(_client.c.id == rid).values(
            a_number_ct=None if a_number is None else keys.encrypt(a_number, KeyRing.aad(org, 'client', 'a_number', rid)),
            a_number_bidx=None if a_number is None else keys.blind_index(org, a_number),
            privileged_notes_ct=None if notes is None else keys.encrypt(
                notes, KeyRing.aad(org, 'client', 'privileged_notes', rid)),
        ))

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('client_organization_id_a_number_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('client_organization_id_a_number_bidx_key'),
                                          ['organization_id', 'a_number_bidx'])
        batch_op.drop_column('a_number')
        batch_op.drop_column('privileged_notes')


def downgrade() -> None:
    from app.core.crypto import KeyRing
    from app.core.keyring import ring

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('a_number', sa.VARCHAR(length=9), nullable=True))
        batch_op.add_column(sa.Column('privileged_notes', sa.VARCHAR(length=20000), nullable=True))

    bind = op.get_bind()
    keys = ring()
    rows = bind.execute(sa.select(_client.c.id, _client.c.organization_id, _client.c.a_number_ct,
                                  _client.c.privileged_notes_ct)
                        .where(sa.or_(_client.c.a_number_ct.is_not(None), _client.c.privileged_notes_ct.is_not(None))))
    for rid, org, a_ct, n_ct in rows.fetchall():
        bind.execute(_client.update().where(_client.c.id == rid).values(
            a_number=None if a_ct is None else keys.decrypt(a_ct, KeyRing.aad(org, 'client', 'a_number', rid)),
            privileged_notes=None if n_ct is None else keys.decrypt(
                n_ct, KeyRing.aad(org, 'client', 'privileged_notes', rid)),
        ))

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('client_organization_id_a_number_bidx_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('client_organization_id_a_number_key'),
                                          ['organization_id', 'a_number'])
        batch_op.drop_column('privileged_notes_ct')
        batch_op.drop_column('a_number_bidx')
        batch_op.drop_column('a_number_ct')
