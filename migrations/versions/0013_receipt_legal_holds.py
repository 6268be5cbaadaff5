"""receipt_holds: legal holds on a request's receipt records (issue 17)

Holds are steps (placed, released), never changed. On PostgreSQL a record whose retention has ended still
refuses deletion while the newest step for its ticket is "placed"; the steps themselves refuse UPDATE and
DELETE.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 01:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION evidence_is_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'receipt_records' THEN
        -- A nested IF: PL/pgSQL would read OLD.retain_until on the other tables too, which have none.
        IF OLD.retain_until < current_date AND COALESCE((
            SELECT action FROM receipt_holds WHERE ticket_id = OLD.ticket_id ORDER BY id DESC LIMIT 1
        ), 'released') <> 'placed' THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is kept as the e-bookkeeping law asks: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
PREVIOUS = """
CREATE OR REPLACE FUNCTION evidence_is_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'receipt_records' THEN
        IF OLD.retain_until < current_date THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is kept as the e-bookkeeping law asks: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        'receipt_holds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_receipt_holds_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_holds')),
    )
    op.create_index(op.f('ix_receipt_holds_ticket_id'), 'receipt_holds', ['ticket_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION)
        op.execute("CREATE TRIGGER receipt_holds_permanent BEFORE UPDATE OR DELETE ON receipt_holds "
                   "FOR EACH ROW EXECUTE FUNCTION evidence_is_permanent()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS receipt_holds_permanent ON receipt_holds")
        op.execute(PREVIOUS)
    op.drop_index(op.f('ix_receipt_holds_ticket_id'), table_name='receipt_holds')
    op.drop_table('receipt_holds')
