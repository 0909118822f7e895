"""Small content packages written by hand for the import tests: a manifest, one QTI 2.1 item, and a zip of named
entries (optionally stored as symbolic links). Shared by test_hostile_packages.py and test_import_sanitising.py."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
ITEM = (f'<assessmentItem xmlns="{QTI}" identifier="x1" title="x" adaptive="false" timeDependent="false">'
        '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
        "<correctResponse><value>A</value></correctResponse></responseDeclaration>"
        '<itemBody><choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">'
        '<simpleChoice identifier="A">Yes</simpleChoice><simpleChoice identifier="B">No</simpleChoice>'
        "</choiceInteraction></itemBody></assessmentItem>")


def manifest(href: str = "item.xml", ns: str = CP, doctype: str = "", extra_files: tuple[str, ...] = ()) -> str:
    files = "".join(f'<file href="{f}"/>' for f in (href, *extra_files))
    return (f'<?xml version="1.0"?>{doctype}<manifest xmlns="{ns}" identifier="m"><organizations/><resources>'
            f'<resource identifier="r" type="imsqti_item_xmlv2p1" href="{href}">{files}</resource>'
            "</resources></manifest>")


def make_zip(path: Path, entries: dict[str, bytes | str], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    return path
