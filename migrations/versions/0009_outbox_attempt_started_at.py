"""outbox.attempt_started_at: when the attempt in flight began, on the services clock

A dispatcher's lease on a message it is sending is now measured on the real clock (lease_until is wall
time), so moving a simulated clock ahead (the playground's skip-ahead, a bench's days) can no longer
end a lease whose post is still in flight and let a second dispatcher post it again. The lower bound
of the lookup in Slack, should a lease really run out (a worker killed mid-send), must however be on the
clock Slack's timestamps follow: this column keeps it. NULL: no attempt in flight.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_started_at', models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('attempt_started_at')
