"""The origins of each platform's own pages, learned from its signed launches (lti_tool.lti.learned_origins), and
the page origins of each launch (`lti_launch_sessions.frame_origins`), so that a Canvas course site, which is on
another host than the registration's issuer, OIDC and token URLs, may frame the tool.

Nothing is filled in: origins are learned from the next launches.

Revision ID: 0009_platform_origins
Revises: 0008_practice
Create Date: 2026-12-10 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_platform_origins'
down_revision = '0008_practice'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_platform_origins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=255), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform_id', 'origin', name='uq_lti_platform_origins_platform_origin')
    )
    with op.batch_alter_table('lti_launch_sessions', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('frame_origins', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lti_launch_sessions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('frame_origins')
    op.drop_table('lti_platform_origins')
