"""reminder sweep index covers first reminders

(status, next_reminder_at) served later reminders only; the first reminder of a step looks for
next_reminder_at IS NULL AND due_at <= now, which needs due_at in the same index to stay a range scan.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:10:00
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_status_next_reminder_at')
        batch_op.create_index('ix_approval_steps_reminder_sweep', ['status', 'next_reminder_at', 'due_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_steps_reminder_sweep')
        batch_op.create_index('ix_approval_steps_status_next_reminder_at', ['status', 'next_reminder_at'],
                              unique=False)
