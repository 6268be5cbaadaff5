"""receipt_records and receipt_files: the 電子帳簿保存法 record of received receipts and invoices (issue 17)

A record per version (a correction is a new row pointing at the one it replaces), its files by sha256 in
evidence_blobs. On PostgreSQL all three tables refuse UPDATE, and a record refuses DELETE until its
retention ends (retain_until); files and blobs cannot be deleted while a record refers to them (foreign
keys). SQLite has no roles to protect against, so there the audit chain, which carries every record and
its file hashes, is the evidence.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')

FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_is_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'receipt_records' THEN
        -- A nested IF: PL/pgSQL would read OLD.retain_until on the other tables too, which have none.
        IF OLD.retain_until < current_date THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is kept as the e-bookkeeping law asks: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
TABLES = ('receipt_records', 'receipt_files', 'evidence_blobs')


def upgrade() -> None:
    op.create_table(
        'receipt_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('previous_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('transaction_date', sa.Date(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('amounts_by_rate', JSON, nullable=True),
        sa.Column('counterparty', sa.String(length=200), nullable=False),
        sa.Column('counterparty_key', sa.String(length=200), nullable=False),
        sa.Column('invoice_number', sa.String(length=14), nullable=True),
        sa.Column('entered_at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('entered_by', sa.String(length=32), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('retain_until', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['previous_id'], ['receipt_records.id'],
                                name=op.f('fk_receipt_records_previous_id_receipt_records')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_receipt_records_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_records')),
        sa.UniqueConstraint('previous_id', name=op.f('uq_receipt_records_previous_id')),
        sa.UniqueConstraint('ticket_id', 'version', name=op.f('uq_receipt_records_ticket_id_version')),
    )
    op.create_index('ix_receipt_records_transaction_date_amount', 'receipt_records',
                    ['transaction_date', 'amount'], unique=False)
    op.create_index('ix_receipt_records_amount', 'receipt_records', ['amount'], unique=False)
    op.create_index('ix_receipt_records_invoice_number', 'receipt_records', ['invoice_number'], unique=False)
    op.create_index(op.f('ix_receipt_records_counterparty_key'), 'receipt_records', ['counterparty_key'],
                    unique=False)
    op.create_table(
        'receipt_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('mimetype', sa.String(length=255), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('slack_file_id', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['record_id'], ['receipt_records.id'],
                                name=op.f('fk_receipt_files_record_id_receipt_records')),
        sa.ForeignKeyConstraint(['sha256'], ['evidence_blobs.sha256'],
                                name=op.f('fk_receipt_files_sha256_evidence_blobs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_files')),
        sa.UniqueConstraint('record_id', 'position', name=op.f('uq_receipt_files_record_id_position')),
    )
    op.create_index(op.f('ix_receipt_files_sha256'), 'receipt_files', ['sha256'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_permanent BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION evidence_is_permanent()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_permanent ON {table}")
        op.execute("DROP FUNCTION IF EXISTS evidence_is_permanent()")
    op.drop_index(op.f('ix_receipt_files_sha256'), table_name='receipt_files')
    op.drop_table('receipt_files')
    op.drop_index(op.f('ix_receipt_records_counterparty_key'), table_name='receipt_records')
    op.drop_index('ix_receipt_records_invoice_number', table_name='receipt_records')
    op.drop_index('ix_receipt_records_amount', table_name='receipt_records')
    op.drop_index('ix_receipt_records_transaction_date_amount', table_name='receipt_records')
    op.drop_table('receipt_records')
