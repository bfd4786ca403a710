"""comms answers: hand-offs get a lifecycle; answers Comms save join the knowledge base

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:00:00.000000

Hand-offs already made stay waiting (no reminder is scheduled for them: they are listed by
`policybot questions`).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'saved_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('sources', sa.Text(), nullable=False, server_default='[]'),
        sa.Column('status', S(length=16), nullable=False),
        sa.Column('origin', S(length=16), nullable=False),
        sa.Column('approved_by', S(length=64), nullable=False),
        sa.Column('approved_by_name', S(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('review_flagged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('review_note', S(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_saved_answer_status', 'saved_answer', ['status'], unique=False)
    op.create_table(
        'saved_answer_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', S(length=64), nullable=True),
        sa.Column('action', S(length=32), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['answer_id'], ['saved_answer.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_saved_answer_event_answer_id', 'saved_answer_event', ['answer_id'], unique=False)
    # Recreated on SQLite (to add the foreign key): no table points at hand-offs.
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', S(length=16), nullable=False, server_default='waiting'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('assigned_to', S(length=64), nullable=True))
        batch_op.add_column(sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_by', S(length=64), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('saved_answer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_handoff_saved_answer', 'saved_answer', ['saved_answer_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.add_column(sa.Column('redirect', S(length=16), nullable=True))
        batch_op.add_column(sa.Column('remind_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_handoff_status', ['status'], unique=False)
        batch_op.create_index('ix_handoff_remind_at', ['remind_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_constraint('fk_handoff_saved_answer', type_='foreignkey')
        batch_op.drop_index('ix_handoff_remind_at')
        batch_op.drop_index('ix_handoff_status')
        for column in ('reminded_at', 'remind_at', 'redirect', 'saved_answer_id', 'answer_text', 'answered_at',
                       'answered_by', 'assigned_at', 'assigned_to', 'version', 'status'):
            batch_op.drop_column(column)
    op.drop_index('ix_saved_answer_event_answer_id', table_name='saved_answer_event')
    op.drop_table('saved_answer_event')
    op.drop_index('ix_saved_answer_status', table_name='saved_answer')
    op.drop_table('saved_answer')
