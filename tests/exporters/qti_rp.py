"""A small evaluator for the QTI 2.x / 3.0 response processing our exporters write, for scoring-agreement tests.

It implements the operators the packages use (responseCondition, setOutcomeValue, match, correct, variable, not,
isNull, baseValue, mapResponse with lower/upper bounds, product, multiple) following the QTI spec, and refuses
anything else so that a new construct in the export cannot be silently mis-scored here.
"""

from __future__ import annotations

import re

from lxml import etree

_KEBAB = re.compile(r"-([a-z])")


def name(el: etree._Element) -> str:
    """Element name in QTI 2.1 spelling, for both dialects (`qti-map-response` -> `mapResponse`)."""
    local = etree.QName(el).localname
    if local.startswith("qti-"):
        return _KEBAB.sub(lambda m: m.group(1).upper(), local[4:])
    return local


def attr(el: etree._Element, camel: str) -> str | None:
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", camel).lower()
    return el.get(camel, el.get(kebab))


def children(el: etree._Element, wanted: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and name(c) == wanted]


class ItemEvaluator:
    def __init__(self, item: etree._Element) -> None:
        self.item = item
        decl = children(item, "responseDeclaration")[0]
        self.cardinality = attr(decl, "cardinality")
        correct = children(decl, "correctResponse")
        self.correct = [v.text for v in children(correct[0], "value")] if correct else []
        mapping = children(decl, "mapping")
        self.mapping = mapping[0] if mapping else None
        self.defaults: dict[str, object] = {}
        for out in children(item, "outcomeDeclaration"):
            default = children(out, "defaultValue")
            value = children(default[0], "value")[0].text if default else None
            base = attr(out, "baseType")
            self.defaults[attr(out, "identifier")] = float(value) if value is not None and base == "float" else value

    def run(self, response: list[str] | None) -> dict[str, object]:
        """Outcome values after response processing for a response (None or [] = no answer)."""
        if self.cardinality == "single":
            value: object = response[0] if response else None
        else:
            value = frozenset(response) if response else None
        self.vars: dict[str, object] = {"RESPONSE": value, **self.defaults}
        for rp in children(self.item, "responseProcessing"):
            self._rules(rp)
        return self.vars

    def _rules(self, parent: etree._Element) -> None:
        for rule in parent:
            if not isinstance(rule.tag, str):
                continue
            kind = name(rule)
            if kind == "responseCondition":
                self._condition(rule)
            elif kind == "setOutcomeValue":
                self.vars[attr(rule, "identifier")] = self._expr(rule[0])
            else:
                raise NotImplementedError(kind)

    def _condition(self, cond: etree._Element) -> None:
        for branch in cond:
            kind = name(branch)
            if kind in ("responseIf", "responseElseIf"):
                if self._expr(branch[0]) is True:
                    self._rules_after_first(branch)
                    return
            elif kind == "responseElse":
                self._rules(branch)
                return

    def _rules_after_first(self, branch: etree._Element) -> None:
        holder = etree.Element("holder")
        for child in list(branch)[1:]:
            holder.append(_copy(child))
        self._rules(holder)

    def _expr(self, el: etree._Element) -> object:
        kind = name(el)
        if kind == "baseValue":
            return float(el.text) if attr(el, "baseType") == "float" else el.text
        if kind == "variable":
            return self.vars.get(attr(el, "identifier"))
        if kind == "correct":
            return self.correct[0] if self.cardinality == "single" else frozenset(self.correct)
        if kind == "not":
            value = self._expr(el[0])
            return None if value is None else not value
        if kind == "isNull":
            return self._expr(el[0]) in (None, frozenset())
        if kind == "match":
            a, b = (self._expr(c) for c in el)
            return None if a is None or b is None else a == b
        if kind == "mapResponse":
            return self._map()
        if kind == "product":
            result = 1.0
            for c in el:
                value = self._expr(c)
                if value is None:
                    return None
                result *= float(value)
            return result
        if kind == "multiple":
            values: set[object] = set()
            for c in el:
                v = self._expr(c)
                if v is None:
                    continue
                values |= set(v) if isinstance(v, frozenset) else {v}
            return frozenset(values)
        raise NotImplementedError(kind)

    def _map(self) -> float:
        m = self.mapping
        assert m is not None, "mapResponse without a mapping"
        entries = {attr(e, "mapKey"): float(attr(e, "mappedValue")) for e in children(m, "mapEntry")}
        response = self.vars["RESPONSE"]
        chosen = (response if isinstance(response, frozenset) else {response}) if response is not None else set()
        default = float(attr(m, "defaultValue") or 0)
        total = sum(entries.get(c, default) for c in chosen)
        lower, upper = attr(m, "lowerBound"), attr(m, "upperBound")
        if lower is not None:
            total = max(total, float(lower))
        if upper is not None:
            total = min(total, float(upper))
        return total


def _copy(el: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(el))
