"""outbox.unsure_since: when a post whose outcome is unknown was first tried

A chat.postMessage whose answer was lost (connection dropped after sending, read timeout, a worker
killed mid-send) may or may not be in the channel. The dispatcher then looks for it in the channel's
history (each post carries its outbox id in message metadata) before posting again; this column keeps
the time of the first such attempt, the lower bound of that search. NULL: nothing in doubt.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsure_since', models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('unsure_since')
