"""evidence_blobs: receipt and invoice files, content-addressed (issue 17)

One row per distinct file (the sha256 of its bytes is the key): the bytes themselves when the database is
the evidence store, else only the record that the configured directory holds them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'evidence_blobs',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('backend', sa.String(length=16), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('stored_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_evidence_blobs')),
    )


def downgrade() -> None:
    op.drop_table('evidence_blobs')
