"""Home viewers: App Home is re-published on a change only for people who have opened it

The month soak found the outbox spending most of its CPU rendering Home tabs nobody had opened (a
views.publish for every requester, approver and agent on every change); an open always renders afresh,
so a person who never opens Home loses nothing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'home_viewers',
        sa.Column('slack_id', sa.String(length=32), nullable=False),
        sa.Column('first_opened_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('slack_id', name=op.f('pk_home_viewers')),
    )


def downgrade() -> None:
    op.drop_table('home_viewers')
