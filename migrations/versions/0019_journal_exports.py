"""Journal exports: which approved requests were handed to accounting, so an export is not repeated

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'journal_exports',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('exported_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('exported_by', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_journal_exports_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_journal_exports')),
    )


def downgrade() -> None:
    op.drop_table('journal_exports')
