"""teams conversations: where the bot can reach each Teams conversation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 16:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'teams_conversation',
        sa.Column('conversation_id', S(length=300), nullable=False),
        sa.Column('service_url', S(length=500), nullable=False),
        sa.Column('tenant_id', S(length=64), nullable=True),
        sa.Column('kind', S(length=16), nullable=False),
        sa.Column('user_id', S(length=128), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('conversation_id'),
    )


def downgrade() -> None:
    op.drop_table('teams_conversation')
