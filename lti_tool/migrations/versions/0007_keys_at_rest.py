"""Keys at rest: a partial unique index allows one `current` and one `next` tool key. Extra ones a race may have
left are kept, published, as `previous` keys for the default grace period (no key is ever deleted here).

Private keys are sealed by `cps-assess keys encrypt`, not by this revision; the downgrade refuses while any key is
sealed (older code reads the column as PEM): run `cps-assess keys decrypt` first.

Revision ID: 0007_keys_at_rest
Revises: 0006_submission_review
Create Date: 2026-12-08 00:10:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0007_keys_at_rest'
down_revision = '0006_submission_review'
branch_labels = None
depends_on = None

INDEX = 'uq_lti_tool_keys_live_state'
LIVE_STATES = "state IN ('current', 'next')"
GRACE = timedelta(days=7)

keys = sa.table('lti_tool_keys', sa.column('id', sa.Integer), sa.column('state', sa.String),
                sa.column('retire_at', sa.DateTime(timezone=True)), sa.column('private_pem', sa.Text))


def upgrade() -> None:
    _demote_extra_live_keys()
    # A plain CREATE INDEX: no table is rebuilt on SQLite.
    op.create_index(INDEX, 'lti_tool_keys', ['state'], unique=True,
                    sqlite_where=sa.text(LIVE_STATES), postgresql_where=sa.text(LIVE_STATES))


def _demote_extra_live_keys() -> None:
    """Keep the oldest key of each live state; the others become `previous` keys, still published for a while."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(keys.c.id, keys.c.state).where(keys.c.state.in_(('current', 'next')))
                        .order_by(keys.c.id)).all()
    seen: set[str] = set()
    extra = []
    for key_id, state in rows:
        if state in seen:
            extra.append(key_id)
        seen.add(state)
    if not extra:
        return
    retire_at = datetime.now(UTC) + GRACE
    if bind.dialect.name == 'sqlite':
        retire_at = retire_at.replace(tzinfo=None)  # the tool stores naive UTC on SQLite (lti_tool.web.db.UtcDateTime)
    bind.execute(keys.update().where(keys.c.id.in_(extra)).values(state='previous', retire_at=retire_at))


def downgrade() -> None:
    sealed = op.get_bind().execute(sa.select(sa.func.count()).select_from(keys)
                                   .where(keys.c.private_pem.like('fernet:%'))).scalar_one()
    if sealed:
        raise RuntimeError(f"{sealed} tool key(s) are encrypted at rest; run `cps-assess keys decrypt` before "
                           "downgrading below 0007_keys_at_rest")
    op.drop_index(INDEX, table_name='lti_tool_keys', sqlite_where=sa.text(LIVE_STATES),
                  postgresql_where=sa.text(LIVE_STATES))
