"""`qti21`: a QTI 2.1 content package (items, one test per form, manifest with LOM and QTI metadata).

For Blackboard, D2L, TAO, Canvas (QTI 2.x import) and other QTI 2.x systems. The trees are built in
`exporters.qti_common`; this module only says how QTI 2.1 spells them.
"""

from __future__ import annotations

from exporters.qti_common import Dialect, QtiPackageExporter

QTI21 = Dialect(
    version="2.1",
    ns="http://www.imsglobal.org/xsd/imsqti_v2p1",
    item_schema_location="http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1p2.xsd",
    manifest_ns="http://www.imsglobal.org/xsd/imscp_v1p1",
    manifest_schema_location="http://www.imsglobal.org/xsd/qti/qtiv2p1/qtiv2p1_imscpv1p2_v1p0.xsd",
    metadata_ns="http://www.imsglobal.org/xsd/imsqti_metadata_v2p1",
    package_schema="QTIv2.1 Package",
    package_schema_version="1.0.0",
    item_resource_type="imsqti_item_xmlv2p1",
    test_resource_type="imsqti_test_xmlv2p1",
    kebab=False,
    content_body=False,
    external_scored=False,
)

EXPORTER = QtiPackageExporter("qti21", "QTI 2.1 content package (Blackboard, D2L, TAO, Canvas QTI 2.x import)",
                              QTI21)
