"""document structure: owner, structure and warnings of a document; context and kind of a passage

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Server defaults fill the new columns of rows indexed before; the indexer re-reads those documents
    # (their structure is "") on its next run.
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('structure', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('warnings', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('passage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    # Plain columns are dropped in place (SQLite 3.35+ can): rebuilding the document table in batch mode
    # would drop the old one and, through the passages' ON DELETE CASCADE, every passage with it.
    with op.batch_alter_table('passage', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('kind')
        batch_op.drop_column('context')

    with op.batch_alter_table('document', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('warnings')
        batch_op.drop_column('structure')
        batch_op.drop_column('owner')
