"""An essay's feedback once it is graded: without the sentence that says it will be graded.

Essay feedback in the bank ends with a promise such as "Your trainer will grade it." (true while the essay waits).
After the instructor graded it the result page shows the points, and the promise would contradict them; it is
left out of the feedback shown (the item versions pinned by attempts keep their text unchanged).
"""

from __future__ import annotations

import re

_WHO = r"(?:your|the) (?:trainer|instructor|teacher|tutor)"
_WHAT = r"(?:it|this|your answer|your essay)"
# "…rubric; your trainer will grade it." (a clause) and "…choices. Your trainer will grade it." (a sentence)
_CLAUSE = re.compile(rf"\s*;\s*{_WHO} will grade {_WHAT}(?=[.!])", re.IGNORECASE)
_SENTENCE = re.compile(rf"(?:(?<=[.!?])|^)\s*{_WHO} will grade {_WHAT}[.!]", re.IGNORECASE)


def graded_essay_feedback(text: str) -> str:
    """The feedback without any 'will grade it' promise."""
    return _SENTENCE.sub("", _CLAUSE.sub("", text)).strip()
