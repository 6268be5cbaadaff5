"""Indexes for three lookups that read whole tables: outbox by ref, tickets by parent, steps by decider

Found by the month soak (pg_stat_user_tables after two simulated days: thousands of sequential scans of
outbox and tickets). Each of these ran on every card render or App Home publish and read every row, so
its cost grew with the month (the outbox gains ~10,000 rows a day at 1,000 people). text_pattern_ops lets
PostgreSQL use the ref index for the prefix match of an approval step's copies under any collation.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_outbox_ref', 'outbox', ['ref'], unique=False, postgresql_ops={'ref': 'text_pattern_ops'})
    op.create_index('ix_tickets_parent_id', 'tickets', ['parent_id'], unique=False)
    op.create_index('ix_approval_steps_decided_by', 'approval_steps', ['decided_by'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_approval_steps_decided_by', table_name='approval_steps')
    op.drop_index('ix_tickets_parent_id', table_name='tickets')
    op.drop_index('ix_outbox_ref', table_name='outbox')
