"""outbox response url: answers to slash commands are sent through the outbox too

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_url', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('response_url')
