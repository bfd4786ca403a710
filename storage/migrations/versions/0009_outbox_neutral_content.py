"""outbox neutral content: messages stored as platform-neutral data and drawn when they are sent

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00.000000

Every message already queued keeps its text and blocks and is sent as before (platform "slack").
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='slack'))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('platform')
        batch_op.drop_column('content')
