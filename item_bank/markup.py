"""The bank's one Markdown subset, rendered to HTML that is safe to put in an LMS page.

Authors write a small Markdown subset. Anything outside it is reported by `markup_problems` (the loader turns each
into a load error) instead of being dropped quietly; `to_html` then sanitises with nh3 as a second line of defence.
"""

from __future__ import annotations

import html as _html
import re
from functools import lru_cache, partial
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({"p", "strong", "em", "br", "ul", "ol", "li", "blockquote", "code", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_md = (
    MarkdownIt("commonmark", {"html": True, "breaks": False, "linkify": False})
    .disable(["heading", "lheading", "image", "code", "fence", "hr", "reference"])
)
# markdown-it refuses javascript: links itself and prints them as text; allow every scheme through so that the
# checker below sees them and reports them, rather than letting them pass as odd text.
_md.validateLink = lambda url: True  # type: ignore[method-assign]

_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*)\s*:")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> is not allowed")
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event-handler attribute {name}= is not allowed")
            elif name not in allowed:
                self.problems.append(f"attribute {name}= on <{tag}> is not allowed")
            elif name == "href":
                scheme = _SCHEME.match(value or "")
                if scheme and scheme.group(1).lower() not in URL_SCHEMES:
                    name = scheme.group(1).lower()
                    self.problems.append(f"{name}: links are not allowed (use http, https or mailto)")

    handle_startendtag = handle_starttag


def _render(text: str) -> str:
    return _md.render(text)


def markup_problems(text: str) -> list[str]:
    """Every construct in `text` outside the allowed subset, in words an author can act on."""
    if not _might_have_markup(text):
        return []
    checker = _Checker()
    checker.feed(_render(text))
    checker.close()
    return list(dict.fromkeys(checker.problems))


_CLEAN_OPTIONS = {
    "tags": set(ALLOWED_TAGS),
    "attributes": {k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    "url_schemes": set(URL_SCHEMES),
    "link_rel": "noopener noreferrer",
}
# One sanitiser built once (nh3 >= 0.2.18): `nh3.clean` would convert the options and build it on every call.
_clean = nh3.Cleaner(**_CLEAN_OPTIONS).clean if hasattr(nh3, "Cleaner") else partial(nh3.clean, **_CLEAN_OPTIONS)


@lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """Sanitised HTML for `text` (the loader has already refused anything unsafe)."""
    return _clean(_render(text).strip())


def to_inline_html(text: str) -> str:
    """HTML for short texts such as option labels: the single wrapping paragraph is removed."""
    html = to_html(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


_BLOCK_TAGS = re.compile(r"</?(?:p|li|ul|ol|blockquote|br)\b[^>]*>")
_TAGS = re.compile(r"<[^>]+>")


def to_plain_text(text: str) -> str:
    """The words of `text` without markup, for readability measures and plain-text formats."""
    text = _TAGS.sub("", _BLOCK_TAGS.sub(" ", to_html(text)))
    return re.sub(r"\s+", " ", _html.unescape(text)).strip()


def _might_have_markup(text: str) -> bool:
    return "<" in text or "](" in text or "&" in text or "]:" in text
