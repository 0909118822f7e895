"""Export benchmark: items/s and peak memory per format on synthetic banks of 1,000 / 10,000 / 50,000 items.

The banks are deterministic (same size -> same YAML), use every item type, and carry non-ASCII text and characters
that need escaping in XML, GIFT and HTML; they are written as YAML and loaded through the real loader. Each format
runs in a fresh subprocess so its peak RSS (which includes loading the bank) is its own. A plain lxml loop that
writes the same QTI 2.1 items (same elements, text without Markdown rendering, a manifest without LOM metadata)
into a zip is the baseline. It writes the zip as the exporters do (`exporters.packaging.PackageWriter`: the same
deflate level, timestamps and zip writer), so the two differ in how the documents are built, not in how they are
stored.
After every export the parent checks that every item id arrived in the output. Export time is printed as wall
clock and as the child's CPU time: on a shared machine the CPU time is the fairer comparison of two formats.

Beside the loop, in the same run, the whole `cps-assess export --format qti21` command runs as a user runs it (its
own process: interpreter start, imports, loading and validating the bank, the export). Its items/s count the whole
process; the loop's count only its export (the bank already in memory). Both are printed with their peak RSS (the
loop's child holds the loaded bank too), the ratio of the two (target: the command >= 0.7x the loop's items/s,
peak memory <= 1.3x) and whether the command wrote the same bytes as the in-process qti21 export.

    .venv/bin/python bench/export_bench.py                      # 1,000, 10,000 and 50,000 items, every format
    .venv/bin/python bench/export_bench.py --sizes 1000 --formats qti21,cc13
    .venv/bin/python bench/export_bench.py --sizes 50000 --formats qti21   # the loop, qti21 and the command
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BLUEPRINT = REPO / "tests" / "fixtures" / "bank" / "blueprint.yaml"
ITEMS_PER_FILE = 500
FORM_SIZE = 100
BASELINE = "lxml-baseline"
ID = re.compile(rb"bench-\d{6}")
COMMAND = "cps-assess qti21"
TARGET_SPEED, TARGET_MEMORY = 0.7, 1.3
TRICKY = 'Ünïcödé café — naïve “quotes” "double" \'single\' A & B < C > D {gift} ~ = # : 日本語 ✓'


# -- the synthetic bank --------------------------------------------------------------------------------------

def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _item_yaml(n: int, domains: list[tuple[str, list[str]]]) -> str:
    domain, objectives = domains[n % len(domains)]
    objective = objectives[n % len(objectives)]
    kind = ("single_choice", "multiple_response", "true_false", "single_choice", "extended_text")[n % 5]
    stem = f"Item {n}: {TRICKY}. What should the peer specialist do?"
    if n % 10 == 0:
        stem = f"Item {n}: a **bold** and *emphasised* stem.\n\n- first {TRICKY}\n- second point"
    lines = [
        f"  - id: bench-{n:06d}",
        f"    type: {kind}",
        "    status: reviewed",
        f"    domain: {domain}",
        f"    objectives: [{objective}]",
        "    cognitive_level: application",
        f"    difficulty: {('easy', 'moderate', 'hard')[n % 3]}",
        f"    stem: {_q(stem)}",
        f"    feedback: {_q('General feedback ' + str(n) + ' — ' + TRICKY)}",
        "    sources: [S10]",
    ]
    if kind == "extended_text":
        lines += ["    rubric: cps-essay-rubric", f"    grader_notes: {_q('Full credit names ' + TRICKY)}"]
    else:
        if kind == "true_false":
            ids, keys = ["true", "false"], {"true"}
        elif kind == "multiple_response":
            ids, keys = ["a", "b", "c", "d", "e"], {"a", "c"}
            lines.append(f"    scoring_rule: {('partial', 'all_or_nothing')[n % 2]}")
        else:
            ids, keys = ["a", "b", "c", "d"], {"b"}
        lines.append("    choices:")
        for cid in ids:
            text = cid.capitalize() if kind == "true_false" else f"Option {cid} of item {n} ({TRICKY})"
            lines.append(f"      - {{id: {_q(cid)}, text: {_q(text)}, correct: {str(cid in keys).lower()}, "
                         f"rationale: {_q('Because ' + cid + ' — ' + TRICKY)}}}")
    return "\n".join(lines)


def write_bank(root: Path, size: int) -> Path:
    """A deterministic bank of `size` items, in files of 500, with one fixed-list form."""
    import yaml

    bank = root / f"bank-{size}"
    if (bank / "forms.yaml").exists():
        return bank
    (bank / "items").mkdir(parents=True, exist_ok=True)
    (bank / "scenarios").mkdir(exist_ok=True)
    shutil.copy(BLUEPRINT, bank / "blueprint.yaml")
    blueprint = yaml.safe_load(BLUEPRINT.read_text(encoding="utf-8"))
    domains = [(d["id"], [o["id"] for o in d["objectives"]]) for d in blueprint["domains"]]
    for start in range(0, size, ITEMS_PER_FILE):
        body = "\n".join(_item_yaml(n, domains) for n in range(start, min(size, start + ITEMS_PER_FILE)))
        (bank / "items" / f"bench-{start // ITEMS_PER_FILE:04d}.yaml").write_text(f"items:\n{body}\n",
                                                                                  encoding="utf-8")
    form_items = ", ".join(f"bench-{n:06d}" for n in range(min(size, FORM_SIZE)))
    (bank / "forms.yaml").write_text(
        f"forms:\n  - id: bench-form\n    title: {_q('Bench form — ' + TRICKY)}\n    items: [{form_items}]\n",
        encoding="utf-8")
    return bank


# -- one measurement, in a child process ----------------------------------------------------------------------

def child(fmt: str, bank_path: Path, out: Path) -> dict[str, float]:
    from exporters.base import ExportSelection, export_to_path
    from item_bank.load import load_bank

    t0 = time.perf_counter()
    bank = load_bank(bank_path, bulk=True)  # a batch process, as the bank commands are
    t1, c1 = time.perf_counter(), time.process_time()
    if fmt == BASELINE:
        with out.open("wb") as stream:
            baseline(bank.items, stream)
    else:
        export_to_path(ExportSelection(bank), fmt, out)
    t2, c2 = time.perf_counter(), time.process_time()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"items": len(bank.items), "load_s": t1 - t0, "export_s": t2 - t1, "cpu_s": c2 - c1, "peak_mb": peak_mb}


QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"


def baseline(items, stream) -> None:  # noqa: ANN001 - Items and a binary stream
    """The plain loop: the same QTI 2.1 items (declarations, body, scoring, feedback processing, modal feedback,
    a manifest listing them) built with bare lxml calls, text inserted as is (no Markdown), into a deflated zip
    written as the exporters write theirs."""
    from exporters.packaging import PackageWriter

    manifest = etree.Element(f"{{{IMSCP}}}manifest", identifier="MANIFEST-baseline", nsmap={None: IMSCP})
    resources = etree.SubElement(manifest, f"{{{IMSCP}}}resources")
    with PackageWriter(stream, sorted_names=False) as z:
        for item in items:
            root = etree.Element(f"{{{QTI21}}}assessmentItem", identifier=item.id, title=item.id, adaptive="false",
                                 timeDependent="false", nsmap={None: QTI21})
            multiple = item.type.value == "multiple_response"
            partial = multiple and item.scoring_rule is not None and item.scoring_rule.value == "partial"
            _bare_declarations(root, item, multiple, partial)
            _bare_body(root, item, multiple)
            _bare_processing(root, item, multiple, partial)
            for choice in item.choices:
                _sub(_sub(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier=f"choice_{choice.id}",
                          showHide="show"), "p", choice.rationale)
            _sub(_sub(root, "modalFeedback", outcomeIdentifier="FEEDBACK_GENERAL", identifier="GENERAL",
                      showHide="show"), "p", item.feedback)
            href = f"items/{item.id}.xml"
            z.write(href, etree.tostring(root, xml_declaration=True, encoding="utf-8"))
            resource = etree.SubElement(resources, f"{{{IMSCP}}}resource", identifier=f"res-item-{item.id}",
                                        type="imsqti_item_xmlv2p1", href=href)
            etree.SubElement(resource, f"{{{IMSCP}}}file", href=href)
        z.write("imsmanifest.xml", etree.tostring(manifest, xml_declaration=True, encoding="utf-8"))


def _sub(parent, tag, text=None, **attrs):  # noqa: ANN001, ANN202
    el = etree.SubElement(parent, f"{{{QTI21}}}{tag}", attrs)
    el.text = text
    return el


def _bare_outcome(root, name, cardinality, base, default):  # noqa: ANN001, ANN202
    decl = _sub(root, "outcomeDeclaration", identifier=name, cardinality=cardinality, baseType=base)
    if default is not None:
        _sub(_sub(decl, "defaultValue"), "value", default)


def _bare_set_value(parent, name, value, base="float"):  # noqa: ANN001, ANN202
    _sub(_sub(parent, "setOutcomeValue", identifier=name), "baseValue", value, baseType=base)


def _bare_declarations(root, item, multiple, partial):  # noqa: ANN001, ANN202
    decl = _sub(root, "responseDeclaration", identifier="RESPONSE", cardinality="multiple" if multiple else "single",
                baseType="identifier" if item.choices else "string")
    if item.choices:
        correct = _sub(decl, "correctResponse")
        for key in item.keys:
            _sub(correct, "value", f"choice_{key.id}")
    if partial:
        mapping = _sub(decl, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
        share = 1 / len(item.keys)
        for choice in item.choices:
            _sub(mapping, "mapEntry", mapKey=f"choice_{choice.id}",
                 mappedValue=repr(share if choice.correct else -share))
    _bare_outcome(root, "SCORE", "single", "float", "0")
    _bare_outcome(root, "MAXSCORE", "single", "float", f"{item.points:g}")
    if item.choices:
        _bare_outcome(root, "FEEDBACK", "multiple", "identifier", None)
    _bare_outcome(root, "FEEDBACK_GENERAL", "single", "identifier", None)


def _bare_body(root, item, multiple):  # noqa: ANN001, ANN202
    body = _sub(root, "itemBody")
    _sub(_sub(body, "div", **{"class": "cps-stem"}), "p", item.stem)
    if item.choices:
        interaction = _sub(body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
                           maxChoices=str(len(item.choices)) if multiple else "1")
        for choice in item.choices:
            _sub(interaction, "simpleChoice", choice.text, identifier=f"choice_{choice.id}")
    else:
        _sub(body, "extendedTextInteraction", responseIdentifier="RESPONSE")
        _sub(_sub(body, "rubricBlock", view="scorer"), "p", item.grader_notes)


def _bare_processing(root, item, multiple, partial):  # noqa: ANN001, ANN202
    rp = _sub(root, "responseProcessing")
    if item.choices:
        cond = _sub(rp, "responseCondition")
        first = _sub(cond, "responseIf")
        if partial:
            _sub(_sub(first, "isNull"), "variable", identifier="RESPONSE")
            _bare_set_value(first, "SCORE", "0")
            product = _sub(_sub(_sub(cond, "responseElse"), "setOutcomeValue", identifier="SCORE"), "product")
            _sub(product, "mapResponse", identifier="RESPONSE")
            _sub(product, "baseValue", f"{item.points:g}", baseType="float")
        else:
            match = _sub(first, "match")
            _sub(match, "variable", identifier="RESPONSE")
            _sub(match, "correct", identifier="RESPONSE")
            _bare_set_value(first, "SCORE", f"{item.points:g}")
            _bare_set_value(_sub(cond, "responseElse"), "SCORE", "0")
    _bare_set_value(rp, "FEEDBACK_GENERAL", "GENERAL", base="identifier")
    if item.choices:
        answered = _sub(_sub(rp, "responseCondition"), "responseIf")
        _sub(_sub(_sub(answered, "not"), "isNull"), "variable", identifier="RESPONSE")
        chosen = _sub(answered, "setOutcomeValue", identifier="FEEDBACK")
        _sub(chosen if multiple else _sub(chosen, "multiple"), "variable", identifier="RESPONSE")


# -- the parent ------------------------------------------------------------------------------------------------

def arrived(path: Path, size: int) -> int:
    """How many of the bank's item ids occur in the output (zip entries or a text file), read in chunks."""
    found: set[bytes] = set()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                found.update(ID.findall(name.encode()))
                with z.open(name) as entry:
                    _scan(entry, found)
    else:
        with path.open("rb") as stream:
            _scan(stream, found)
    expected = {f"bench-{n:06d}".encode() for n in range(size)}
    return len(found & expected)


def _scan(stream, found: set[bytes]) -> None:  # noqa: ANN001
    tail = b""
    while chunk := stream.read(1 << 20):
        data = tail + chunk
        found.update(ID.findall(data))
        tail = data[-16:]


def measure(fmt: str, bank: Path, out: Path) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--child", fmt, "--bank", str(bank), "--out", str(out)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{fmt}: {result.stderr.strip().splitlines()[-1] if result.stderr else 'failed'}")
    return json.loads(result.stdout)


def command_line(bank: Path, out: Path) -> list[str]:
    """`cps-assess export --format qti21`: the installed console script next to this interpreter when there is one."""
    script = Path(sys.executable).with_name("cps-assess")
    head = [str(script)] if script.exists() else [sys.executable, "-c", "from item_bank.cli import main; main()"]
    return [*head, "export", "--format", "qti21", "-o", str(out), "--bank", str(bank)]


def measure_command(bank: Path, out: Path) -> dict[str, float]:
    """Run the whole command in its own process; wall clock from start to exit, CPU time and peak RSS of that
    process alone (os.wait4 gives the rusage of the one child)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(command_line(bank, out), stdout=subprocess.DEVNULL, stderr=err, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            lines = err.read().decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"exit {proc.returncode}: {lines[-1] if lines else 'failed'}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def compare_command(size: int, bank: Path, work: Path, loop: dict[str, float] | None,
                    qti21_digest: str | None) -> bool:
    """Time the whole command and print it beside the bare loop: items/s, peak RSS and their ratios."""
    out = work / f"out-{size}-command.zip"
    try:
        r = measure_command(bank, out)
    except RuntimeError as exc:
        print(f"{size:>7} {COMMAND:<14} FAILED: {exc}")
        return False
    got = arrived(out, size)
    same = digest(out) == qti21_digest if qti21_digest else None
    out.unlink(missing_ok=True)
    print(f"{size:>7} {COMMAND:<14} {'-':>7} {r['wall_s']:>9.2f} {r['cpu_s']:>7.2f} {size / r['wall_s']:>9.0f} "
          f"{r['peak_mb']:>8.0f} {got:>8}{'' if got == size else '  MISSING ITEMS'}  (whole process)")
    if loop is None:
        return got == size
    speed = (size / r["wall_s"]) / (size / loop["export_s"])
    cpu_speed = loop["cpu_s"] / r["cpu_s"]
    memory = r["peak_mb"] / loop["peak_mb"]
    print(f"{size:>7} whole command vs bare lxml loop: {size / r['wall_s']:.0f} vs {size / loop['export_s']:.0f} "
          f"items/s = {speed:.2f}x wall clock ({cpu_speed:.2f}x by CPU time; target >= {TARGET_SPEED}x), "
          f"peak {r['peak_mb']:.0f} vs {loop['peak_mb']:.0f} MB = {memory:.2f}x (target <= {TARGET_MEMORY}x)"
          + ("" if same is None else f"; same bytes as the in-process qti21 export: {'yes' if same else 'NO'}"))
    return got == size and same is not False


def main() -> int:
    from exporters.base import available_formats

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated bank sizes")
    parser.add_argument("--formats", default="all", help="comma-separated formats (default: every format)")
    parser.add_argument("--workdir", type=Path, default=None, help="where banks and exports go (default: a temp dir)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--bank", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.bank, args.out)))
        return 0

    formats = available_formats() if args.formats == "all" else args.formats.split(",")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="cps-export-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ok = True
    print(f"{'items':>7} {'format':<14} {'load s':>7} {'export s':>9} {'cpu s':>7} {'items/s':>9} {'peak MB':>8} "
          f"{'arrived':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        bank = write_bank(work, size)
        times: dict[str, float] = {}
        cpu: dict[str, float] = {}
        loop: dict[str, float] | None = None
        qti21_digest: str | None = None
        for fmt in [BASELINE, *formats]:
            out = work / f"out-{size}-{fmt}"
            try:
                r = measure(fmt, bank, out)
            except RuntimeError as exc:
                ok = False
                print(f"{size:>7} {fmt:<14} FAILED: {exc}")
                continue
            got = arrived(out, size)
            ok = ok and got == size
            times[fmt], cpu[fmt] = r["export_s"], r["cpu_s"]
            if fmt == BASELINE:
                loop = r
            elif fmt == "qti21":
                qti21_digest = digest(out)
            print(f"{size:>7} {fmt:<14} {r['load_s']:>7.1f} {r['export_s']:>9.2f} {r['cpu_s']:>7.2f} "
                  f"{size / r['export_s']:>9.0f} {r['peak_mb']:>8.0f} {got:>8}"
                  f"{'' if got == size else '  MISSING ITEMS'}")
            out.unlink(missing_ok=True)
        if "qti21" in times and BASELINE in times:
            print(f"{size:>7} qti21 / plain lxml loop: {times['qti21'] / times[BASELINE]:.2f}x wall clock, "
                  f"{cpu['qti21'] / cpu[BASELINE]:.2f}x CPU time (target <= 1.5x)")
        ok = compare_command(size, bank, work, loop, qti21_digest) and ok
    print(f"banks in {work}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
