"""audit_events sealed after they are written: a chain position (seq), nullable hashes, the seal's one UPDATE

Events are now inserted with an id of their own and sealed (seq, prev_hash, hash) by whoever holds the chain
head, so no request waits on that one row (bot/audit.py). Existing events keep their hashes: each one's
place is its id (seq = id), which the canonical form leaves out, as before. On PostgreSQL the append-only
trigger now lets exactly one UPDATE through: setting the three seal columns of an unsealed event, its
content unchanged. The id sequence, never used while ids were chosen by the seal, starts after the last id.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND OLD.seq IS NULL AND OLD.prev_hash IS NULL
       AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND NEW.id = OLD.id AND NEW.ticket_id IS NOT DISTINCT FROM OLD.ticket_id
       AND NEW.subject = OLD.subject AND NEW.actor_id = OLD.actor_id
       AND NEW.on_behalf_of IS NOT DISTINCT FROM OLD.on_behalf_of AND NEW.action = OLD.action
       AND NEW.before IS NOT DISTINCT FROM OLD.before AND NEW.after IS NOT DISTINCT FROM OLD.after
       AND NEW.reason IS NOT DISTINCT FROM OLD.reason AND NEW.at = OLD.at THEN
        RETURN NEW;  -- the seal
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
PREVIOUS = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seq', sa.Integer(), nullable=True))
    if postgres:  # the backfill below is an UPDATE the trigger refuses; it is the migration's, once
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    op.execute("UPDATE audit_events SET seq = id")
    op.execute("UPDATE audit_head SET last_seq = last_event_id")
    if postgres:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        op.execute(FUNCTION)
        op.execute("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), "
                   "COALESCE((SELECT max(id) FROM audit_events), 0) + 1, false)")
    op.create_index('ix_audit_events_unsealed', 'audit_events', ['id'], unique=False,
                    sqlite_where=sa.text('hash IS NULL'), postgresql_where=sa.text('hash IS NULL'))


def downgrade() -> None:
    # Only a trail whose every event is sealed in the order written goes back (seq = id): the earlier
    # schema has no place for an event sealed out of order.
    bind = op.get_bind()
    out_of_order = bind.execute(sa.text("SELECT count(*) FROM audit_events WHERE seq IS NULL OR seq <> id")).scalar()
    if out_of_order:
        raise RuntimeError(f"{out_of_order} audit events are unsealed or sealed out of the order written; "
                           "the schema before 0016 cannot hold them")
    op.drop_index('ix_audit_events_unsealed', table_name='audit_events')
    if bind.dialect.name == "postgresql":
        op.execute(PREVIOUS)
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.drop_column('last_seq')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('seq')
