"""faq text vectors and word analyses: what an index build would recompute, stored

The FAQ engine ranks English questions with all-MiniLM-L6-v2 sentence embeddings as well as its lexical
signals. Encoding a phrasing costs milliseconds, so a 10,000-entry knowledge base cannot be encoded at
every index build (the build budget is 5 s): vectors are computed when a text is written and kept in
faq_text_vectors, keyed by model name and the text's sha256, and a build only reads them.
faq_text_words keeps the Sudachi word analyses of Japanese texts the same way (keyed by analyser and
text hash), saved by the build that made them: Sudachi is about half of a cold build.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('faq_text_vectors',
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('model', 'text_sha256', name=op.f('pk_faq_text_vectors'))
    )
    op.create_table('faq_text_words',
    sa.Column('analyser', sa.String(length=64), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('analyser', 'text_sha256', name=op.f('pk_faq_text_words'))
    )


def downgrade() -> None:
    op.drop_table('faq_text_words')
    op.drop_table('faq_text_vectors')
