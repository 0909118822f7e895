"""The QTI 3 player shows the feedback of every chosen option, and the general feedback, after an answer.

A player that keeps nested `multiple` values as one joined string (qti-components does) once showed only the general
feedback for a multiple-response answer with two options; the response processing now sets the chosen options'
feedback identifiers without nesting one container in another."""

from __future__ import annotations

import io
import zipfile

from exporters.base import ExportSelection, get_exporter
from exporters.qti_common import GENERAL_FEEDBACK, choice_identifier, item_href


def qti30_item(bank, item_id: str) -> bytes:  # noqa: ANN001
    out = io.BytesIO()
    get_exporter("qti30").write(ExportSelection(bank, None), out)
    with zipfile.ZipFile(out) as zf:
        return zf.read(item_href(item_id))


def test_two_chosen_options_each_show_their_feedback(starter_bank, qti3_player):
    player = qti3_player
    player.answer(qti30_item(starter_bank, "cps-s-d1-002"), ["choice_a", "choice_c"])
    assert player.shown_feedback() == {"choice_a", "choice_c", GENERAL_FEEDBACK}


def test_one_chosen_option_shows_its_feedback(starter_bank, qti3_player):
    player = qti3_player
    player.answer(qti30_item(starter_bank, "cps-s-d1-001"), ["choice_b"])
    assert player.shown_feedback() == {"choice_b", GENERAL_FEEDBACK}


def test_no_answer_shows_only_the_general_feedback(starter_bank, qti3_player):
    player = qti3_player
    player.answer(qti30_item(starter_bank, "cps-s-d1-002"), [])
    assert player.shown_feedback() == {GENERAL_FEEDBACK}


def test_every_option_of_a_multiple_response_item_can_show(starter_bank, qti3_player):
    item = starter_bank.item("cps-s-d4-003")
    everything = [choice_identifier(c.id) for c in item.choices]
    player = qti3_player
    player.answer(qti30_item(starter_bank, item.id), everything)
    assert player.shown_feedback() == {*everything, GENERAL_FEEDBACK}
