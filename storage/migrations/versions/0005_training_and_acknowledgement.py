"""training and acknowledgement

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 03:01:07.894793
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('training_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('directorate', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('training_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_campaign_status'), ['status'], unique=False)

    op.create_table('nudge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'subject', 'staff_id', 'step', name='uq_nudge')
    )
    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nudge_staff_id'), ['staff_id'], unique=False)

    op.create_table('policy_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('document_checksum', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('document_version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_id', 'document_checksum', name='uq_policy_acknowledgement')
    )
    with op.batch_alter_table('policy_acknowledgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_acknowledgement_document_checksum'), ['document_checksum'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_acknowledgement_staff_id'), ['staff_id'], unique=False)

    op.create_table('training_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_via', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('exempt_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['training_campaign.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign_id', 'staff_id', name='uq_training_assignment')
    )
    with op.batch_alter_table('training_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_assignment_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_assignment_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_assignment_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('training_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_assignment_status'))
        batch_op.drop_index(batch_op.f('ix_training_assignment_staff_id'))
        batch_op.drop_index(batch_op.f('ix_training_assignment_campaign_id'))

    op.drop_table('training_assignment')
    with op.batch_alter_table('policy_acknowledgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_acknowledgement_staff_id'))
        batch_op.drop_index(batch_op.f('ix_policy_acknowledgement_document_checksum'))

    op.drop_table('policy_acknowledgement')
    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudge_staff_id'))

    op.drop_table('nudge')
    with op.batch_alter_table('training_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_campaign_status'))

    op.drop_table('training_campaign')
