"""How one QTI version spells the trees QTI 2.1 and QTI 3.0 share, and the small builder that writes them.

The two versions differ in spelling, not in logic (`assessmentItem` / `qti-assessment-item`, `maxChoices` /
`max-choices`, a `qti-content-body` wrapper in QTI 3 feedback and rubric blocks, namespaces and resource types).
So the trees are written once, with camelCase names, through a `Builder` that spells them in a `Dialect`;
`qti21` and `qti30` only define their dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
HTML_TAGS = frozenset({"p", "div", "span", "strong", "em", "br", "ul", "ol", "li", "blockquote", "code", "a",
                       "h2", "h3", "dl", "dt", "dd"})


@dataclass(frozen=True)
class Dialect:
    """How one QTI version spells the shared trees."""

    version: str
    ns: str
    item_schema_location: str
    manifest_ns: str
    manifest_schema_location: str
    metadata_ns: str
    package_schema: str
    package_schema_version: str
    item_resource_type: str
    test_resource_type: str
    kebab: bool
    content_body: bool
    external_scored: bool  # QTI 2.2+ marks human-scored outcomes; 2.1 has no such attribute

    def tag(self, name: str) -> str:
        """`assessmentItem` -> `{ns}assessmentItem` (2.1) or `{ns}qti-assessment-item` (3.0); HTML unchanged."""
        if self.kebab and name not in HTML_TAGS:
            name = "qti-" + _CAMEL.sub("-", name).lower()
        return f"{{{self.ns}}}{name}"

    def attr(self, name: str) -> str:
        return _CAMEL.sub("-", name).lower() if self.kebab else name


class Builder:
    """Small helpers to write QTI trees in a dialect with camelCase names."""

    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect
        self._tags: dict[str, str] = {}
        self._attrs: dict[str, str] = {}
        self._kebab = dialect.kebab

    def el(self, parent: etree._Element | None, name: str, text: str | None = None, **attrs: str
           ) -> etree._Element:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = self.d.tag(name)
        if self._kebab and attrs:
            attrs = {self._attr(k): v for k, v in attrs.items()}
        node = etree.SubElement(parent, tag, attrs) if parent is not None else etree.Element(tag, attrs)
        if text is not None:
            node.text = text
        return node

    def _attr(self, name: str) -> str:
        return self._attrs.get(name) or self._attrs.setdefault(name, self.d.attr(name))

    def root(self, name: str, **attrs: str) -> etree._Element:
        node = etree.Element(self.d.tag(name), nsmap={None: self.d.ns, "xsi": XSI})
        node.set(f"{{{XSI}}}schemaLocation", f"{self.d.ns} {self.d.item_schema_location}")
        for k, v in attrs.items():
            node.set(self.d.attr(k), v)
        return node

    def content(self, parent: etree._Element) -> etree._Element:
        """Where flow content goes inside modal feedback and rubric blocks (QTI 3 wraps it)."""
        return self.el(parent, "contentBody") if self.d.content_body else parent
