"""receipt_counterparties, and an amount index that also orders by date: receipt searches stay fast at 100,000

A substring match cannot use a B-tree index; over 100,000 records it read every one (~200 ms on SQLite). The
search now matches the part against this list (filled from the records already kept) and reads the records by
their indexed counterparty_key. An amount range is answered, in date order, from (amount, transaction_date, kind).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'receipt_counterparties',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_receipt_counterparties')),
    )
    op.execute("INSERT INTO receipt_counterparties (key, name) SELECT counterparty_key, min(counterparty) "
               "FROM receipt_records GROUP BY counterparty_key")
    op.drop_index('ix_receipt_records_amount', table_name='receipt_records')
    op.create_index('ix_receipt_records_amount_transaction_date', 'receipt_records', ['amount', 'transaction_date', 'kind'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_receipt_records_amount_transaction_date', table_name='receipt_records')
    op.create_index('ix_receipt_records_amount', 'receipt_records', ['amount'], unique=False)
    op.drop_table('receipt_counterparties')
