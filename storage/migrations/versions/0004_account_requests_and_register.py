"""account requests and register

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 02:49:24.274476
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('account_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('handle', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('directorate', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('business_case', sa.Text(), nullable=False),
    sa.Column('staff_user_ids', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('monitoring_hours', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('training_confirmed', sa.Boolean(), nullable=False),
    sa.Column('requester_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recommended_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('director_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('info_question', sa.Text(), nullable=True),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('thread_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('reminder_step', sa.Integer(), nullable=False),
    sa.Column('next_reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_request_next_reminder_at'), ['next_reminder_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_request_requester_user_id'), ['requester_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_request_status'), ['status'], unique=False)

    op.create_table('registered_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('handle', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('search_key', sqlmodel.sql.sqltypes.AutoString(length=900), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('directorate', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('staff_user_ids', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('approval_reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_due', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review_reminded_for', sa.Date(), nullable=True),
    sa.Column('leavers_flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['account_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registered_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registered_account_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_account_search_key'), ['search_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_registered_account_status'), ['status'], unique=False)

    op.create_table('account_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['registered_account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['account_request.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_event_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_event_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_event_request_id'))
        batch_op.drop_index(batch_op.f('ix_account_event_account_id'))

    op.drop_table('account_event')
    with op.batch_alter_table('registered_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registered_account_status'))
        batch_op.drop_index(batch_op.f('ix_registered_account_search_key'))
        batch_op.drop_index(batch_op.f('ix_registered_account_request_id'))

    op.drop_table('registered_account')
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_request_status'))
        batch_op.drop_index(batch_op.f('ix_account_request_requester_user_id'))
        batch_op.drop_index(batch_op.f('ix_account_request_next_reminder_at'))

    op.drop_table('account_request')
