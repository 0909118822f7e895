"""What an attempt was given, pinned when it starts: its form's settings, each item version and every order.

Every page of an attempt, its result, its review, the instructor's views, essay grading and regrades read the pins,
never the live bank, so editing, re-keying or retiring items changes no started or submitted attempt. Item versions
are stored once per content hash (`lti_item_versions`) and parsed once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from item_bank.assemble import PresentedItem, delivery_order, form_items
from item_bank.model import Bank, Form, Item, Scenario
from item_bank.snapshot import bank_hashes, form_from_record, form_record, form_version, item_from_record
from lti_tool.delivery.models import Attempt, AttemptItem, ItemVersion

_PARSED_LIMIT = 50_000
_parsed: dict[str, tuple[Item, Scenario | None]] = {}


@dataclass(frozen=True)
class Pin:
    """The columns an attempt row gets at its start, and the presented items to store with it."""

    form_version: str
    bank_digest: str
    form_record: dict
    presented: list[PresentedItem]


def pin_for(bank: Bank, form: Form, seed: str) -> Pin:
    """The form's items drawn from today's bank and ordered by the attempt's seed, ready to be stored."""
    presented = delivery_order(form, form_items(form, bank), seed)
    return Pin(form_version(form), bank_hashes(bank).digest, form_record(form), presented)


def store_pin(connection: Connection, attempt_id: int, bank: Bank, pin: Pin) -> None:
    """Insert the item versions the attempt uses (once per hash) and one row per presented item."""
    hashes = bank_hashes(bank)
    versions = []
    rows = []
    for position, p in enumerate(pin.presented, start=1):
        digest = hashes.hashes[p.item.id]
        versions.append({"hash": digest, "item_id": p.item.id, "revision": p.item.revision,
                         "record": hashes.records[p.item.id]})
        rows.append({"attempt_id": attempt_id, "position": position, "item_id": p.item.id,
                     "revision": p.item.revision, "item_type": p.item.type.value, "content_hash": digest,
                     "choice_order": list(p.choice_order), "pending": False, "dropped": False})
    if not rows:
        return
    connection.execute(_version_insert(connection.dialect.name), versions)
    connection.execute(AttemptItem.__table__.insert(), rows)


@functools.lru_cache(maxsize=4)
def _version_insert(dialect: str):
    """INSERT ... ON CONFLICT (hash) DO NOTHING: a version already stored by another attempt is kept as it is."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(ItemVersion.__table__).on_conflict_do_nothing(index_elements=["hash"])


def pinned_form(attempt: Attempt) -> Form | None:
    """The form's settings as they were when the attempt started (None for an attempt that was never pinned)."""
    return form_from_record(attempt.form_record) if attempt.form_record else None


def presented_items(connection: Connection, attempt: Attempt) -> list[PresentedItem]:
    """The attempt's items in the order it showed them, each as the version it was given."""
    rows = list(attempt.pinned)
    _parse_missing(connection, (r.content_hash for r in rows))
    out = []
    for row in rows:
        item, scenario = _parsed[row.content_hash]
        out.append(PresentedItem(item, tuple(row.choice_order), scenario))
    return out


def version_of(connection: Connection, content_hash: str) -> tuple[Item, Scenario | None]:
    """One stored item version, parsed."""
    _parse_missing(connection, [content_hash])
    return _parsed[content_hash]


def remember(bank: Bank, items: Iterable[Item]) -> None:
    """Put versions this process has just pinned into the parse cache (the launch renders question 1 next)."""
    hashes = bank_hashes(bank)
    for item in items:
        digest = hashes.hashes[item.id]
        if digest not in _parsed:
            _cache(digest, item_from_record(hashes.records[item.id]))


def _parse_missing(connection: Connection, digests: Iterable[str]) -> None:
    missing = {d for d in digests if d not in _parsed}
    if not missing:
        return
    query = select(ItemVersion.hash, ItemVersion.record).where(ItemVersion.hash.in_(missing))
    for digest, record in connection.execute(query):
        _cache(digest, item_from_record(record))


def _cache(digest: str, parsed: tuple[Item, Scenario | None]) -> None:
    if len(_parsed) >= _PARSED_LIMIT:
        _parsed.clear()
    _parsed[digest] = parsed
