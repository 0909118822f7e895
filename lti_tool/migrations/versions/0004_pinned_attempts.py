"""Pinned attempts: item versions by content hash, one row per presented item with its stored score, and the form,
its version and the bank digest on each attempt. Attempts already in the database are pinned to what they show
today (the same draw, order and scores the tool computed from the bank before this revision).

Revision ID: 0004_pinned_attempts
Revises: 0003_essay_grades
Create Date: 2026-12-06 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = '0004_pinned_attempts'
down_revision = '0003_essay_grades'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_item_versions',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hash')
    )
    with op.batch_alter_table('lti_item_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_item_versions_item_id'), ['item_id'], unique=False)
    op.create_table('lti_attempt_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=24), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('choice_order', sa.JSON(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=True),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('dropped', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['lti_attempts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['content_hash'], ['lti_item_versions.hash']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('attempt_id', 'item_id', name='uq_attempt_item_item'),
    sa.UniqueConstraint('attempt_id', 'position', name='uq_attempt_item_position')
    )
    with op.batch_alter_table('lti_attempt_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_attempt_items_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lti_attempt_items_item_id'), ['item_id'], unique=False)
    # Never recreate lti_attempts on SQLite: dropping the old copy would cascade-delete every answer and score.
    with op.batch_alter_table('lti_attempts', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('form_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('bank_digest', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('form_record', sa.JSON(), nullable=True))
    _pin_existing_attempts()


def _pin_existing_attempts() -> None:
    """Pin every attempt whose form is in today's bank to exactly what it shows today."""
    from datetime import UTC, datetime

    from item_bank.assemble import FormUnsatisfiable, delivery_order, form_items
    from item_bank.load import default_bank_path, load_bank
    from item_bank.model import ItemType
    from item_bank.scoring import score_response
    from item_bank.snapshot import bank_hashes, form_record, form_version

    bind = op.get_bind()
    attempts = sa.table('lti_attempts', sa.column('id'), sa.column('form_id'), sa.column('seed'),
                        sa.column('status'), sa.column('form_version'), sa.column('bank_digest'),
                        sa.column('form_record', sa.JSON()))
    responses = sa.table('lti_responses', sa.column('attempt_id'), sa.column('item_id'),
                         sa.column('choice_ids', sa.JSON()))
    grades = sa.table('lti_essay_grades', sa.column('attempt_id'), sa.column('item_id'), sa.column('score'),
                      sa.column('max_score'))
    versions = sa.table('lti_item_versions', sa.column('hash'), sa.column('item_id'), sa.column('revision'),
                        sa.column('record', sa.JSON()), sa.column('created_at', sa.DateTime(timezone=True)))
    items_table = sa.table('lti_attempt_items', *(sa.column(c) for c in (
        'attempt_id', 'position', 'item_id', 'revision', 'item_type', 'content_hash', 'score', 'max_score',
        'pending', 'dropped')), sa.column('choice_order', sa.JSON()), sa.column('response', sa.JSON()))
    rows = bind.execute(sa.select(attempts.c.id, attempts.c.form_id, attempts.c.seed, attempts.c.status)).all()
    if not rows:
        return
    bank = load_bank(context.config.attributes.get("bank_path") or default_bank_path())
    hashes = bank_hashes(bank)
    stored: set[str] = set(bind.execute(sa.select(versions.c.hash)).scalars())
    now = datetime.now(UTC)
    for attempt_id, form_id, seed, status in rows:
        try:
            form = bank.form(form_id)
            presented = delivery_order(form, form_items(form, bank), seed)
        except (KeyError, FormUnsatisfiable):
            continue
        answers = {r.item_id: r.choice_ids for r in bind.execute(
            sa.select(responses.c.item_id, responses.c.choice_ids).where(responses.c.attempt_id == attempt_id))}
        graded = {g.item_id: (g.score, g.max_score) for g in bind.execute(
            sa.select(grades.c.item_id, grades.c.score, grades.c.max_score).where(grades.c.attempt_id == attempt_id))}
        pinned = []
        for position, p in enumerate(presented, start=1):
            digest = hashes.hashes[p.item.id]
            if digest not in stored:
                bind.execute(versions.insert().values(hash=digest, item_id=p.item.id, revision=p.item.revision,
                                                      record=hashes.records[p.item.id], created_at=now))
                stored.add(digest)
            row = {"attempt_id": attempt_id, "position": position, "item_id": p.item.id,
                   "revision": p.item.revision, "item_type": p.item.type.value, "content_hash": digest,
                   "choice_order": list(p.choice_order), "response": None, "score": None, "max_score": None,
                   "pending": False, "dropped": False}
            if status == 'submitted':
                chosen = answers.get(p.item.id)
                score = score_response(p.item, chosen, form.settings.multiple_response_scoring)
                row.update(response=list(chosen) if chosen is not None else None, score=float(score.score),
                           max_score=float(score.max_score), pending=score.pending)
                if p.item.type is ItemType.EXTENDED_TEXT and p.item.id in graded:
                    row.update(score=graded[p.item.id][0], max_score=graded[p.item.id][1], pending=False)
            pinned.append(row)
        if pinned:
            bind.execute(items_table.insert(), pinned)
        bind.execute(attempts.update().where(attempts.c.id == attempt_id).values(
            form_version=form_version(form), bank_digest=hashes.digest, form_record=form_record(form)))


def downgrade() -> None:
    with op.batch_alter_table('lti_attempts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('form_record')
        batch_op.drop_column('bank_digest')
        batch_op.drop_column('form_version')
    with op.batch_alter_table('lti_attempt_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_attempt_items_item_id'))
        batch_op.drop_index(batch_op.f('ix_lti_attempt_items_attempt_id'))
    op.drop_table('lti_attempt_items')
    with op.batch_alter_table('lti_item_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_item_versions_item_id'))
    op.drop_table('lti_item_versions')
