"""A graded essay's feedback drops the bank's "Your trainer will grade it." and keeps everything else."""

from __future__ import annotations

import pytest

from item_bank.load import default_bank_path, load_bank
from item_bank.model import ItemType
from lti_tool.delivery.graded_feedback import graded_essay_feedback


@pytest.mark.parametrize("text, shown", [
    ("Compare your answer with the rubric; your trainer will grade it.", "Compare your answer with the rubric."),
    ("A strong answer keeps Dawit at the centre. Your trainer will grade it.",
     "A strong answer keeps Dawit at the centre."),
    ("Name the duty. Your trainer will grade it. Then reread the case.", "Name the duty. Then reread the case."),
    ("Nothing to drop here.", "Nothing to drop here."),
])
def test_the_promise_to_grade_is_left_out(text, shown):
    assert graded_essay_feedback(text) == shown


def test_no_essay_in_the_bank_still_promises_grading_once_graded():
    essays = [i for i in load_bank(default_bank_path()).items if i.type is ItemType.EXTENDED_TEXT]
    assert essays
    for item in essays:
        assert "will grade" not in graded_essay_feedback(item.feedback), item.id
