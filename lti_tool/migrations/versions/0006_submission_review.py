"""Submission Review launches: the learner whose submission an LtiSubmissionReviewRequest asks to show.

Revision ID: 0006_submission_review
Revises: 0005_regrades
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_submission_review'
down_revision = '0005_regrades'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lti_launch_sessions', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('for_user_sub', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lti_launch_sessions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('for_user_sub')
