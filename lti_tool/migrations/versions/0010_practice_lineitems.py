"""Graded practice links follow the learner's mastery: each practice session keeps the line item its link's grade goes
to (`lti_attempts.practice_lineitem_url`, lti_tool.delivery.practice_grades), so a quiz, an essay grade, a regrade or
practice at another link can send the link its new grade without a launch of its own.

The learner's newest session at each practice link that already sent a grade is filled with the line item of the
last grade it sent (that link was graded then); every session is brought up to date at the learner's next landing on
its link.

Revision ID: 0010_practice_lineitems
Revises: 0009_platform_origins
Create Date: 2026-12-07 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_practice_lineitems'
down_revision = '0009_platform_origins'
branch_labels = None
depends_on = None

PRACTICE_PREFIX = 'practice:'


def upgrade() -> None:
    # Never recreate lti_attempts on SQLite: dropping the old copy would cascade-delete every answer and score.
    with op.batch_alter_table('lti_attempts', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('practice_lineitem_url', sa.Text(), nullable=True))
    _fill_from_sent_grades()


def _fill_from_sent_grades() -> None:
    """The newest practice session of each learner at each link gets the line item of their last grade there."""
    bind = op.get_bind()
    attempts = sa.table('lti_attempts', sa.column('id'), sa.column('resource_link_id'), sa.column('user_id'),
                        sa.column('number'), sa.column('form_id'), sa.column('practice_lineitem_url'))
    outbox = sa.table('lti_score_outbox', sa.column('id'), sa.column('attempt_id'), sa.column('lineitem_url'),
                      sa.column('scored_at', sa.DateTime(timezone=True)))
    practice = attempts.c.form_id.startswith(PRACTICE_PREFIX)
    last_sent = {}
    for link, user, lineitem in bind.execute(
            sa.select(attempts.c.resource_link_id, attempts.c.user_id, outbox.c.lineitem_url)
            .select_from(outbox.join(attempts, attempts.c.id == outbox.c.attempt_id))
            .where(practice).order_by(outbox.c.scored_at, outbox.c.id)):
        last_sent[(link, user)] = lineitem
    if not last_sent:
        return
    newest = {}
    for session_id, link, user in bind.execute(
            sa.select(attempts.c.id, attempts.c.resource_link_id, attempts.c.user_id).where(practice)
            .order_by(attempts.c.number)):
        newest[(link, user)] = session_id
    for key, lineitem in sorted(last_sent.items()):
        bind.execute(sa.update(attempts).where(attempts.c.id == newest[key])
                     .values(practice_lineitem_url=lineitem))


def downgrade() -> None:
    with op.batch_alter_table('lti_attempts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('practice_lineitem_url')
