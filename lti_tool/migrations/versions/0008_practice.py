"""Adaptive practice: each learner's mastery per objective in a course (lti_tool.delivery.mastery_models).

Practice sessions need no table of their own: they are attempts (form id `practice:<target>`) with one pinned item
row per question. Mastery is derived from the scored responses already stored, so this revision fills it for every
learner who has any, by the rule of `lti_tool.delivery.mastery_store` (written out here, on this revision's tables,
as 0004 does, so that later changes to the models cannot break it).

Revision ID: 0008_practice
Revises: 0007_keys_at_rest
Create Date: 2026-12-09 00:10:00
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from alembic import context, op

revision = '0008_practice'
down_revision = '0007_keys_at_rest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_mastery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('objective', sa.String(length=80), nullable=False),
    sa.Column('alpha', sa.Float(), nullable=False),
    sa.Column('beta', sa.Float(), nullable=False),
    sa.Column('evidence', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['context_id'], ['lti_contexts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('context_id', 'user_id', 'objective', name='uq_mastery_learner_objective')
    )
    with op.batch_alter_table('lti_mastery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_mastery_user_id'), ['user_id'], unique=False)
    _fill_from_stored_responses()


def _fill_from_stored_responses() -> None:
    """Every learner's mastery of the blueprint's objectives from their scored responses, in each course."""
    from item_bank.load import default_bank_path, load_bank
    from item_bank.mastery import estimate, evidence_from_item
    from item_bank.snapshot import item_from_record

    bind = op.get_bind()
    by_learner = _scored_responses(bind)
    if not by_learner:
        return
    bank = load_bank(context.config.attributes.get("bank_path") or default_bank_path())
    objectives = list(bank.blueprint.objectives)
    versions = sa.table('lti_item_versions', sa.column('hash'), sa.column('record', sa.JSON()))
    parsed = {}
    mastery = sa.table('lti_mastery', *(sa.column(c) for c in ('context_id', 'user_id', 'objective', 'alpha',
                                                                 'beta', 'evidence')),
                       sa.column('updated_at', sa.DateTime(timezone=True)))
    for (context_id, user_id), responses in sorted(by_learner.items()):
        evidence = []
        for digest, fraction, answered_at in responses:
            if digest not in parsed:
                record = bind.execute(sa.select(versions.c.record).where(versions.c.hash == digest)).scalar_one()
                parsed[digest] = item_from_record(record)[0]
            try:
                evidence.append(evidence_from_item(parsed[digest], fraction, answered_at))
            except ValueError:
                continue
        rows = [{"context_id": context_id, "user_id": user_id, "objective": m.objective, "alpha": m.alpha,
                 "beta": m.beta, "evidence": m.evidence, "updated_at": _stored_time(bind, m.updated_at)}
                for m in estimate(evidence, objectives).values() if m.evidence]
        if rows:
            bind.execute(mastery.insert(), rows)


def _scored_responses(bind) -> dict[tuple[int, int], list]:
    """(course, learner) -> (item version hash, fraction, answered at) for every scored response."""
    attempts = sa.table('lti_attempts', sa.column('id'), sa.column('resource_link_id'), sa.column('user_id'),
                        sa.column('submitted_at', sa.DateTime(timezone=True)))
    links = sa.table('lti_resource_links', sa.column('id'), sa.column('context_id'))
    items = sa.table('lti_attempt_items', *(sa.column(c) for c in ('attempt_id', 'item_id', 'content_hash', 'score',
                                                                   'max_score', 'pending', 'dropped')))
    responses = sa.table('lti_responses', sa.column('attempt_id'), sa.column('item_id'),
                         sa.column('saved_at', sa.DateTime(timezone=True)))
    query = (sa.select(links.c.context_id, attempts.c.user_id, items.c.content_hash, items.c.score,
                       items.c.max_score, responses.c.saved_at, attempts.c.submitted_at)
             .select_from(items.join(attempts, attempts.c.id == items.c.attempt_id)
                          .join(links, links.c.id == attempts.c.resource_link_id)
                          .outerjoin(responses, sa.and_(responses.c.attempt_id == items.c.attempt_id,
                                                        responses.c.item_id == items.c.item_id)))
             .where(links.c.context_id.is_not(None), items.c.score.is_not(None), items.c.pending == sa.false(),
                    items.c.dropped == sa.false(), items.c.max_score > 0))
    found: dict[tuple[int, int], list] = {}
    for context_id, user_id, digest, score, maximum, saved_at, submitted_at in bind.execute(query):
        answered_at = saved_at or submitted_at
        if answered_at is None:
            continue
        answered_at = answered_at.replace(tzinfo=UTC) if answered_at.tzinfo is None else answered_at.astimezone(UTC)
        found.setdefault((context_id, user_id), []).append((digest, min(max(score / maximum, 0.0), 1.0),
                                                            answered_at))
    return found


def _stored_time(bind, moment):
    """As the tool stores a time: naive UTC on SQLite (lti_tool.web.db.UtcDateTime), aware elsewhere."""
    return moment.replace(tzinfo=None) if bind.dialect.name == 'sqlite' else moment


def downgrade() -> None:
    op.drop_table('lti_mastery')
