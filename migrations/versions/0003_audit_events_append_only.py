"""audit_events append-only on PostgreSQL

UPDATE and DELETE on audit_events raise, whoever runs them (the application role included): the
trail can only grow. A superuser can still switch triggers off (session_replication_role), which
is why every event also carries the previous event's hash and `madoguchi audit verify` recomputes
the chain. SQLite has no roles to protect against (whoever can write the file can rewrite it), so
there the hash chain alone is the evidence and this migration does nothing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
