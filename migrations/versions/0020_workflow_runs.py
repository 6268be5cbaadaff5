"""Workflow runs: each Workflow Builder run of the approval step, the request it became, and how it ended

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'workflow_runs',
        sa.Column('execution_id', sa.String(length=64), nullable=False),
        sa.Column('callback_id', sa.String(length=64), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('started_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_workflow_runs_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('execution_id', name=op.f('pk_workflow_runs')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_workflow_runs_ticket_id')),
    )


def downgrade() -> None:
    op.drop_table('workflow_runs')
