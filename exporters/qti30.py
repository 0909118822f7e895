"""`qti30`: a QTI 3.0 content package (`qti-assessment-item`, kebab-case, `imsqtiasi_v3p0` namespace).

For QTI 3 players and platforms (e.g. Citolab's qti-components). The trees are built in `exporters.qti_common`;
this module only says how QTI 3.0 spells them.
"""

from __future__ import annotations

from exporters.qti_common import Dialect, QtiPackageExporter

QTI30 = Dialect(
    version="3.0",
    ns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0",
    item_schema_location="https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd",
    manifest_ns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1",
    manifest_schema_location="https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd",
    metadata_ns="http://www.imsglobal.org/xsd/imsqti_metadata_v3p0",
    package_schema="QTI Package",
    package_schema_version="3.0.0",
    item_resource_type="imsqti_item_xmlv3p0",
    test_resource_type="imsqti_test_xmlv3p0",
    kebab=True,
    content_body=True,
    external_scored=True,
)

EXPORTER = QtiPackageExporter("qti30", "QTI 3.0 content package (QTI 3 players and platforms)", QTI30)
