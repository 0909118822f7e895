"""QTI 2.1 / 2.2 / 3.0 items (and their manifest metadata) -> bank item dicts.

One reader for the three versions: QTI 3 spells `qti-choice-interaction` / `max-choices` where 2.x spells
`choiceInteraction` / `maxChoices`, so names are normalised to the 2.x spelling first. Items written by our
exporters (see `exporters.qti_common` for the identifiers and metadata) come back complete; items from other tools
come back with what QTI carries (text, choices, keys, feedback) and status draft. Interactions we do not support
are reported as skipped with the reason.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

from lxml import etree

from exporters.html_to_markdown import plain_text, to_markdown
from exporters.import_model import ImportedItem, Skipped
from exporters.qti_metadata import LAW_AS_OF, REFERENCES, SOURCE_CATALOG

QTI_NAMESPACES = {
    "http://www.imsglobal.org/xsd/imsqti_v2p1": "2.1",
    "http://www.imsglobal.org/xsd/imsqti_v2p2": "2.2",
    "http://www.imsglobal.org/xsd/imsqtiasi_v3p0": "3.0",
}
LOM_NAMESPACES = ("http://ltsc.ieee.org/xsd/LOM", "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource")
LOM_DIFFICULTY = {"very easy": "easy", "easy": "easy", "medium": "moderate", "difficult": "hard",
                  "very difficult": "hard"}
SUPPORTED_INTERACTIONS = {"choiceInteraction", "extendedTextInteraction"}
_KEBAB = re.compile(r"-([a-z])")


def norm(name: str) -> str:
    """`qti-choice-interaction` -> `choiceInteraction`; 2.x names unchanged."""
    if name.startswith("qti-"):
        name = name[4:]
    return _KEBAB.sub(lambda m: m.group(1).upper(), name)


def local(el: etree._Element) -> str:
    return norm(etree.QName(el).localname) if isinstance(el.tag, str) else ""


def attr(el: etree._Element, name: str) -> str | None:
    """An attribute by its 2.x name, whichever spelling the document uses."""
    value = el.get(name)
    if value is None:
        kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
        value = el.get(kebab)
    return value


def children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if local(c) == name]


def descendants(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el.iter() if local(c) == name]


def html_of(el: etree._Element, skip: frozenset[str] = frozenset()) -> str:
    """The inner content of a QTI element as plain XHTML (namespaces dropped, QTI-only elements left out)."""
    parts = [_escape(el.text or "")]
    for child in el:
        if isinstance(child.tag, str) and local(child) not in skip:
            parts.append(_outer(child, skip))
        parts.append(_escape(child.tail or ""))
    return "".join(parts)


def _outer(el: etree._Element, skip: frozenset[str]) -> str:
    name = etree.QName(el).localname
    attrs = "".join(f' {k}="{_escape(v, True)}"' for k, v in el.attrib.items() if k in ("href", "start"))
    if name == "br":
        return "<br>"
    return f"<{name}{attrs}>{html_of(el, skip)}</{name}>"


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def markdown_of(el: etree._Element | None, skip: frozenset[str] = frozenset(),
                removed: list[str] | None = None) -> str:
    return to_markdown(html_of(el, skip), removed) if el is not None else ""


def read_item(root: etree._Element, where: str, metadata: etree._Element | None,
              rubric_ids: dict[str, str]) -> ImportedItem | Skipped:
    """One assessmentItem -> an item, or the reason it was skipped."""
    identifier = attr(root, "identifier") or where
    body = next(iter(children(root, "itemBody")), None)
    if body is None:
        return Skipped(identifier, where, "no itemBody")
    interactions = [el for el in body.iter() if local(el).endswith("Interaction")]
    kinds = {local(el) for el in interactions}
    if len(interactions) != 1 or not kinds <= SUPPORTED_INTERACTIONS:
        found = ", ".join(sorted(kinds)) or "no interaction"
        return Skipped(identifier, where, f"{found}: only one choiceInteraction or extendedTextInteraction per "
                                          "item is supported")
    interaction = interactions[0]
    item = ImportedItem(id=identifier.split("--", 1)[0], source=where, variant="--" in identifier)
    _read_body(item, body, interaction)
    feedback = {attr(fb, "identifier"): fb for fb in children(root, "modalFeedback")}
    general = feedback.get("GENERAL")
    item.feedback = markdown_of(_content(general), removed=item.removed) if general is not None else ""
    points = _points(root)
    if local(interaction) == "extendedTextInteraction":
        item.type = "extended_text"
        _read_rubric(item, body, rubric_ids)
    else:
        problem = _read_choices(item, root, interaction, feedback)
        if problem:
            return Skipped(identifier, where, problem)
    if points is not None:
        item.points = points
    if metadata is not None:
        read_lom(item, metadata)
    return item


def _content(el: etree._Element) -> etree._Element:
    """QTI 3 wraps feedback and rubric content in `qti-content-body`."""
    inner = children(el, "contentBody")
    return inner[0] if inner else el


def _read_body(item: ImportedItem, body: etree._Element, interaction: etree._Element) -> None:
    scenario = next((d for d in body if local(d) == "div" and "cps-scenario" in (d.get("class") or "")), None)
    stem = next((d for d in body if local(d) == "div" and "cps-stem" in (d.get("class") or "")), None)
    if scenario is not None:
        item.scenario = (scenario.get("id") or "").removeprefix("scenario-") or None
        title = scenario[0] if len(scenario) and local(scenario[0]) == "p" else None
        if title is not None:
            item.scenario_title = plain_text(title, item.removed).strip()
        item.scenario_text = to_markdown("".join(_outer(c, frozenset()) + _escape(c.tail or "")
                                                 for c in scenario if c is not title), item.removed)
    if stem is not None:
        item.stem = markdown_of(stem, removed=item.removed)
        return
    skip = frozenset({"choiceInteraction", "extendedTextInteraction", "rubricBlock"})
    parts = [html_of(body, skip)]
    prompt = next(iter(children(interaction, "prompt")), None)
    if prompt is not None:
        parts.append(f"<p>{html_of(prompt)}</p>")
    item.stem = to_markdown("".join(parts), item.removed)


def _points(root: etree._Element) -> float | None:
    for decl in children(root, "outcomeDeclaration"):
        if attr(decl, "identifier") == "SCORE" and attr(decl, "normalMaximum"):
            return float(attr(decl, "normalMaximum") or 1)
    for decl in children(root, "outcomeDeclaration"):
        if attr(decl, "identifier") == "MAXSCORE":
            values = descendants(decl, "value")
            if values and values[0].text:
                try:
                    return float(values[0].text)
                except ValueError:
                    return None
    return None


def _read_choices(item: ImportedItem, root: etree._Element, interaction: etree._Element,
                  feedback: dict[str | None, etree._Element]) -> str | None:
    response_id = attr(interaction, "responseIdentifier")
    declaration = next((d for d in children(root, "responseDeclaration")
                        if attr(d, "identifier") == response_id), None)
    if declaration is None:
        return f"no responseDeclaration for {response_id}"
    keys = {v.text.strip() for c in children(declaration, "correctResponse") for v in children(c, "value")
            if v.text}
    mapping = {attr(e, "mapKey"): Fraction(attr(e, "mappedValue") or "0")
               for m in children(declaration, "mapping") for e in children(m, "mapEntry")}
    if not keys and mapping:
        keys = {k for k, v in mapping.items() if k and v > 0}
    if not keys:
        return "no correct response (keys) declared"
    multiple = attr(declaration, "cardinality") == "multiple"
    for simple in children(interaction, "simpleChoice"):
        qti_id = attr(simple, "identifier") or ""
        choice_id = qti_id.removeprefix("choice_")
        rationale = feedback.get(qti_id)
        item.choices.append({
            "id": choice_id,
            "text": markdown_of(simple, frozenset({"feedbackInline"}), item.removed),
            "correct": qti_id in keys,
            "rationale": markdown_of(_content(rationale), removed=item.removed) if rationale is not None else "",
        })
    if not item.choices:
        return "choiceInteraction without simpleChoice"
    ids = {c["id"] for c in item.choices}
    if multiple:
        item.type = "multiple_response"
        item.scoring_rule = "partial" if mapping else "all_or_nothing"
    elif ids == {"true", "false"}:
        item.type = "true_false"
    else:
        item.type = "single_choice"
    return None


def _read_rubric(item: ImportedItem, body: etree._Element, rubric_ids: dict[str, str]) -> None:
    block = next((b for b in body.iter() if local(b) == "rubricBlock"), None)
    if block is None:
        return
    content = list(_content(block))
    # our exporter writes: grader notes, then <p><strong>RUBRIC TITLE (0-N per dimension)</strong></p><ul>...</ul>
    for n, el in enumerate(content):
        strong = el[0] if local(el) == "p" and len(el) == 1 and local(el[0]) == "strong" else None
        title = re.sub(r"\s*\(0-\d+ per dimension\)$", "", strong.text or "") if strong is not None else None
        if title in rubric_ids:
            item.rubric = rubric_ids[title]
            content = content[:n]
            break
    notes = "".join(_outer(c, frozenset()) + _escape(c.tail or "") for c in content)
    item.grader_notes = to_markdown(notes, item.removed) or None


def read_lom(item: ImportedItem, metadata: etree._Element) -> None:
    """Domain, objectives, difficulty, cognitive level, revision, status, tags, sources and the law coverage from
    the LOM our exporters write (see `exporters.qti_metadata`); an item without a LOM status stays a draft."""
    def lom(el: etree._Element, name: str) -> list[etree._Element]:
        return [c for c in el.iter() if isinstance(c.tag, str) and etree.QName(c).localname == name
                and etree.QName(c).namespace in LOM_NAMESPACES]

    def texts(el: etree._Element, name: str) -> list[str]:
        return [c.text.strip() for c in lom(el, name) if c.text and c.text.strip()]

    for status in lom(metadata, "status"):
        item.status = "reviewed" if texts(status, "value")[:1] == ["final"] else "draft"
    for relation in lom(metadata, "relation"):
        if texts(relation, "value")[:1] == [REFERENCES]:
            for ident in lom(relation, "identifier"):
                if texts(ident, "catalog")[:1] == [SOURCE_CATALOG]:
                    item.sources += texts(ident, "entry")[:1]
    for coverage in lom(metadata, "coverage"):
        for text in texts(coverage, "string"):
            if text.startswith(LAW_AS_OF):
                try:
                    item.law_as_of = date.fromisoformat(text.removeprefix(LAW_AS_OF))
                except ValueError:
                    continue
            else:
                item.jurisdiction = text

    for difficulty in lom(metadata, "difficulty"):
        values = lom(difficulty, "value")
        if values and values[0].text:
            item.difficulty = LOM_DIFFICULTY.get(values[0].text.strip(), item.difficulty)
    for version in lom(metadata, "version"):
        text = "".join(version.itertext()).strip()
        if text.isdigit():
            item.revision = int(text)
    item.tags = [s.text.strip() for k in lom(metadata, "keyword") for s in lom(k, "string") if s.text]
    for classification in lom(metadata, "classification"):
        purpose = "".join(v.text or "" for p in lom(classification, "purpose") for v in lom(p, "value")).strip()
        for path in lom(classification, "taxonPath"):
            ids = [i.text.strip() for t in lom(path, "taxon") for i in lom(t, "id") if i.text]
            if purpose == "educational objective" and len(ids) >= 2:
                if not item.objectives:
                    item.domain = ids[0]
                item.objectives.append(ids[1])
            elif purpose == "skill level" and ids:
                item.cognitive_level = ids[0]
