"""Essay grades: the instructor's rubric points per essay of a submitted attempt (lti_tool.delivery.essay_grades).

Revision ID: 0003_essay_grades
Revises: 0002_delivery
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_essay_grades'
down_revision = '0002_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_essay_grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('rubric_id', sa.String(length=80), nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('grader_id', sa.Integer(), nullable=True),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['lti_attempts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grader_id'], ['lti_users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('attempt_id', 'item_id', name='uq_essay_grade_item')
    )
    with op.batch_alter_table('lti_essay_grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_essay_grades_attempt_id'), ['attempt_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lti_essay_grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_essay_grades_attempt_id'))
    op.drop_table('lti_essay_grades')
