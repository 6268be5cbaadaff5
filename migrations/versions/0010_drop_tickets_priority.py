"""tickets.priority dropped: never read or set by anything but its default

The column came with the first schema for a triage priority the product never grew: every row holds
"normal". Dropping it keeps the model honest (issue 16, dead code). Downgrade restores it with that value.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('priority')


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.String(length=16), nullable=False, server_default='normal'))
