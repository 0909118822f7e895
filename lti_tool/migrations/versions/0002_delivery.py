"""Delivery tables: attempts, responses (saved per answer) and the score outbox (sent by lti_tool.grades).

Revision ID: 0002_delivery
Revises: 0001_lti_core
Create Date: 2026-11-29 23:04:10.673833
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_delivery'
down_revision = '0001_lti_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.String(length=80), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('feedback', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('score_maximum', sa.Float(), nullable=True),
    sa.Column('pending_manual', sa.Boolean(), nullable=False),
    sa.Column('lineitem_url', sa.Text(), nullable=True),
    sa.Column('ags_scopes', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['lti_resource_links.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('resource_link_id', 'user_id', 'number', name='uq_attempt_number')
    )
    with op.batch_alter_table('lti_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_attempts_resource_link_id'), ['resource_link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_attempts_user_id'), ['user_id'], unique=False)

    op.create_table('lti_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('choice_ids', sa.JSON(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['lti_attempts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('attempt_id', 'item_id', name='uq_response_item')
    )
    with op.batch_alter_table('lti_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_responses_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('lti_score_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('lineitem_url', sa.Text(), nullable=False),
    sa.Column('platform_user_id', sa.String(length=255), nullable=False),
    sa.Column('score_given', sa.Float(), nullable=False),
    sa.Column('score_maximum', sa.Float(), nullable=False),
    sa.Column('activity_progress', sa.String(length=32), nullable=False),
    sa.Column('grading_progress', sa.String(length=32), nullable=False),
    sa.Column('new_submission', sa.Boolean(), nullable=False),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('platform_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['lti_attempts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('lti_score_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_score_outbox_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_score_outbox_next_try_at'), ['next_try_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_score_outbox_scored_at'), ['scored_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_score_outbox_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lti_score_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_score_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_lti_score_outbox_scored_at'))
        batch_op.drop_index(batch_op.f('ix_lti_score_outbox_next_try_at'))
        batch_op.drop_index(batch_op.f('ix_lti_score_outbox_attempt_id'))

    op.drop_table('lti_score_outbox')
    with op.batch_alter_table('lti_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_responses_attempt_id'))

    op.drop_table('lti_responses')
    with op.batch_alter_table('lti_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_attempts_user_id'))
        batch_op.drop_index(batch_op.f('ix_lti_attempts_resource_link_id'))

    op.drop_table('lti_attempts')
