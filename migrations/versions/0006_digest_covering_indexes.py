"""digest indexes cover the weekly counts

The weekly digest counts a week's tickets with GROUP BY over range scans on created_at, resolved_at,
closed_at and first_responded_at (bot/digest/desk_counts.py). With single-column indexes every row in
range costs a table lookup (at a million tickets, ~20,000 per week, ~170,000 for the chart), and SQLite
even preferred scanning the whole (department, seq) index to skip a sort. These indexes carry the
grouped and filtered columns, so each query is one index-only range scan. They replace the
single-column ones on the same leading column.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 07:20:00
"""

from __future__ import annotations

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

TICKETS = {
    'ix_tickets_created_at_covering': ['created_at', 'department', 'status', 'request_type'],
    'ix_tickets_resolved_at_covering': ['resolved_at', 'department', 'status', 'created_at', 'satisfaction'],
    'ix_tickets_closed_at_covering': ['closed_at', 'resolved_at', 'department', 'status', 'created_at'],
    'ix_tickets_first_responded_at_covering': ['first_responded_at', 'department', 'created_at'],
}
REPLACED = {'ix_tickets_created_at': ['created_at'], 'ix_tickets_resolved_at': ['resolved_at'],
            'ix_tickets_closed_at': ['closed_at']}


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for name in REPLACED:
            batch_op.drop_index(name)
        for name, columns in TICKETS.items():
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_decided_at')
        batch_op.create_index('ix_approval_steps_decided_at_covering', ['decided_at', 'status', 'requested_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_decided_at_covering')
        batch_op.create_index('ix_approval_steps_decided_at', ['decided_at'], unique=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        for name in TICKETS:
            batch_op.drop_index(name)
        for name, columns in REPLACED.items():
            batch_op.create_index(name, columns, unique=False)
