"""identities: each person's id on each chat platform in its own table

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:00:00.000000

Slack user ids (and when Slack was last asked) move from `staff_member` to `identity` (platform "slack"),
one row per person who has been looked up; questions and account requests record the chat platform their
message ids belong to (every existing row: "slack"). Downgrading moves the Slack ids back.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column('conversation', sa.Text(), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('unreachable_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'staff_id', name='uq_identity_platform_staff'),
    )
    op.create_index('ix_identity_staff_id', 'identity', ['staff_id'], unique=False)
    op.create_index('ix_identity_platform_user', 'identity', ['platform', 'user_id'], unique=False)
    # Everyone Slack has been asked about keeps their answer; a looked-up person with no recorded time gets the
    # time of their import, so they are not asked again.
    op.execute(
        "INSERT INTO identity (staff_id, platform, user_id, checked_at) "
        "SELECT id, 'slack', slack_user_id, COALESCE(slack_checked_at, imported_at) FROM staff_member "
        "WHERE slack_user_id IS NOT NULL OR slack_checked_at IS NOT NULL")
    # Dropped in place (SQLite 3.35+ can): recreating the table would break the rows that point at it.
    with op.batch_alter_table('staff_member', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_staff_member_slack_user_id')
        batch_op.drop_column('slack_user_id')
        batch_op.drop_column('slack_checked_at')
    for table in ('question', 'account_request'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('chat_platform', sqlmodel.sql.sqltypes.AutoString(length=16),
                                          nullable=False, server_default='slack'))


def downgrade() -> None:
    for table in ('question', 'account_request'):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column('chat_platform')
    with op.batch_alter_table('staff_member', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('slack_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('slack_checked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_staff_member_slack_user_id', ['slack_user_id'], unique=False)
    op.execute(
        "UPDATE staff_member SET "
        "slack_user_id = (SELECT user_id FROM identity WHERE identity.staff_id = staff_member.id "
        "AND identity.platform = 'slack'), "
        "slack_checked_at = (SELECT checked_at FROM identity WHERE identity.staff_id = staff_member.id "
        "AND identity.platform = 'slack')")
    op.drop_index('ix_identity_platform_user', table_name='identity')
    op.drop_index('ix_identity_staff_id', table_name='identity')
    op.drop_table('identity')
