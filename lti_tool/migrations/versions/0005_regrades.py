"""Regrades: the audit of each committed regrade and the attempts it changed (lti_tool.instructor.regrade_models).

Revision ID: 0005_regrades
Revises: 0004_pinned_attempts
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_regrades'
down_revision = '0004_pinned_attempts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_regrades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('policy', sa.String(length=16), nullable=False),
    sa.Column('new_hash', sa.String(length=64), nullable=True),
    sa.Column('resource_link_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lti_regrades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_regrades_item_id'), ['item_id'], unique=False)
    op.create_table('lti_regrade_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('regrade_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('old_score', sa.Float(), nullable=True),
    sa.Column('old_maximum', sa.Float(), nullable=True),
    sa.Column('new_score', sa.Float(), nullable=False),
    sa.Column('new_maximum', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['lti_attempts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['regrade_id'], ['lti_regrades.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lti_regrade_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_regrade_changes_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_regrade_changes_regrade_id'), ['regrade_id'], unique=False)


def downgrade() -> None:
    op.drop_table('lti_regrade_changes')
    op.drop_table('lti_regrades')
