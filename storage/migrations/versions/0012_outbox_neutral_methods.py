"""outbox neutral methods: what to do with a message is named without any platform's API

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:00:00.000000

chat.postMessage → post, chat.update → update, chat.postEphemeral → ephemeral (respond stays): every queued
message keeps its meaning and is sent by the Slack sender as before.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAMES = (("chat.postMessage", "post"), ("chat.update", "update"), ("chat.postEphemeral", "ephemeral"))


def upgrade() -> None:
    for old, new in NAMES:
        op.execute(f"UPDATE outbox_message SET method = '{new}' WHERE method = '{old}'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('method', existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
                              existing_nullable=False, server_default='post')


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('method', existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
                              existing_nullable=False, server_default=None)
    for old, new in NAMES:
        op.execute(f"UPDATE outbox_message SET method = '{old}' WHERE method = '{new}'")
