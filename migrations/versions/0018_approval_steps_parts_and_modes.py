"""合議 and 回付: an approval position may hold several parts (one per member), each step has a mode

`part` numbers the rows at one (ticket, round, position): a 合議 (all of a group must approve) is one row
per member, a 回付 (FYI) one row per person informed. Existing rows are part 1 of mode "any" (any one of
the approvers decides), which is what they were.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('mode', sa.String(length=8), server_default='any', nullable=False))
        batch_op.drop_constraint('uq_approval_steps_ticket_id_round_position', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_approval_steps_ticket_id_round_position_part'),
                                          ['ticket_id', 'round', 'position', 'part'])


def downgrade() -> None:
    with op.batch_alter_table('approval_steps', schema=None) as batch_op:
        batch_op.drop_constraint('uq_approval_steps_ticket_id_round_position_part', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_approval_steps_ticket_id_round_position'),
                                          ['ticket_id', 'round', 'position'])
        batch_op.drop_column('mode')
        batch_op.drop_column('part')
