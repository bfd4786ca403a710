"""acknowledgement campaigns: HR choose which document staff acknowledge, and when they are asked

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 11:00:00.000000

A deployment that has already asked staff to acknowledge a version (nudges of kind "ack" for the checksum
its document still has) keeps asking for it: that version becomes a running campaign, so reminders and
the buttons already sent go on working. Nothing else is asked until HR starts a campaign.
"""
from datetime import datetime, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('acknowledgement_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('document_title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('document_checksum', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('document_version', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('started_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_checksum', name='uq_acknowledgement_campaign_version')
    )
    with op.batch_alter_table('acknowledgement_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acknowledgement_campaign_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acknowledgement_campaign_status'), ['status'], unique=False)

    connection = op.get_bind()
    asked = connection.execute(sa.text(
        "SELECT d.id, d.title, d.checksum, d.version, MIN(n.claimed_at) FROM document d "
        "JOIN nudge n ON n.kind = 'ack' AND n.subject = d.checksum GROUP BY d.id, d.title, d.checksum, d.version"
    )).all()
    campaigns = sa.table('acknowledgement_campaign', sa.column('document_id'), sa.column('document_title'),
                         sa.column('document_checksum'), sa.column('document_version'), sa.column('status'),
                         sa.column('started_by'), sa.column('started_at'))
    seen = set()
    for document_id, title, checksum, version, first in asked:
        if checksum in seen:
            continue
        seen.add(checksum)
        if isinstance(first, str):  # SQLite returns the aggregate as text
            first = datetime.fromisoformat(first)
        connection.execute(campaigns.insert().values(
            document_id=document_id, document_title=title, document_checksum=checksum, document_version=version,
            status='running', started_by='(asked before campaigns)', started_at=first or datetime.now(timezone.utc)))


def downgrade() -> None:
    with op.batch_alter_table('acknowledgement_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acknowledgement_campaign_status'))
        batch_op.drop_index(batch_op.f('ix_acknowledgement_campaign_document_id'))
    op.drop_table('acknowledgement_campaign')
