"""Component content builders: profiles, maps, scripts, operations, a process canvas."""

from __future__ import annotations


def profile_json(root: str, fields: list[str]) -> str:
    entries = "".join(
        f'<JSONObjectEntry dataType="character" isMappable="true" isNode="true" key="{i + 3}" '
        f'name="{name}"><DataFormat><ProfileCharacterFormat/></DataFormat></JSONObjectEntry>'
        for i, name in enumerate(fields)
    )
    return (
        '<JSONProfile xmlns="" strict="false"><DataElements>'
        '<JSONRootValue dataType="character" isMappable="true" isNode="true" key="1" '
        f'name="{root}"><DataFormat><ProfileCharacterFormat/></DataFormat>'
        '<JSONObject isMappable="false" isNode="true" key="2" name="Object">'
        f"{entries}</JSONObject>"
        "</JSONRootValue></DataElements></JSONProfile>"
    )


def profile_xml(root: str, fields: list[str]) -> str:
    elements = "".join(
        f'<XMLElement dataType="character" isMappable="true" isNode="true" key="{i + 2}" '
        f'maxOccurs="1" minOccurs="0" name="{name}" useNamespace="-1">'
        "<DataFormat><ProfileCharacterFormat/></DataFormat></XMLElement>"
        for i, name in enumerate(fields)
    )
    return (
        '<XMLProfile xmlns="" modelVersion="2" strict="true"><ProfileProperties><XMLGeneralInfo/>'
        '<XMLOptions encoding="utf8" implicitElementOrdering="true"/></ProfileProperties>'
        f'<DataElements><XMLElement dataType="character" isMappable="true" isNode="true" key="1" '
        f'maxOccurs="1" minOccurs="1" name="{root}" useNamespace="-1">{elements}</XMLElement>'
        '</DataElements><Namespaces><XMLNamespace key="-1" name="Empty Namespace"/></Namespaces>'
        "</XMLProfile>"
    )


def profile_flatfile(fields: list[str]) -> str:
    elements = "".join(
        f'<FlatFileElement dataType="character" isMappable="true" isNode="true" key="{i + 3}" '
        f'mandatory="false" name="{name}"><DataFormat><ProfileCharacterFormat/></DataFormat>'
        "</FlatFileElement>"
        for i, name in enumerate(fields)
    )
    return (
        '<FlatFileProfile xmlns="" modelVersion="2" strict="true"><ProfileProperties>'
        '<GeneralInfo fileType="delimited" useColumnHeaders="true"/><Options><DataOptions/>'
        '<DelimitedOptions fileDelimiter="commadelimited" textQualifier="textqualifierdouble"/>'
        "</Options></ProfileProperties><DataElements>"
        '<FlatFileRecord detectFormat="numberofcolumns" isNode="true" key="1" name="Record">'
        '<FlatFileElements isNode="true" key="2" '
        f'name="Elements">{elements}</FlatFileElements></FlatFileRecord></DataElements>'
        "</FlatFileProfile>"
    )


def profile_edi() -> str:
    element = (
        '<EDIElement dataType="character" isMappable="true" isNode="true" key="{key}" '
        'mandatory="M" maxLength="22" minLength="1" name="{name}">'
        "<DataFormat><ProfileCharacterFormat/></DataFormat></EDIElement>"
    )
    beg = "".join(element.format(key=k + 2, name=f"BEG0{k + 1}") for k in range(3))
    po1 = "".join(element.format(key=k + 7, name=f"PO10{k + 1}") for k in range(3))
    return (
        '<EDIProfile xmlns="" modelVersion="2" strict="false"><ProfileProperties>'
        '<EDIGeneralInfo ediStandard="X12" version="005010" transaction="850" agencyCode="X"/>'
        "</ProfileProperties><DataElements>"
        '<EDISegment isNode="true" key="1" maxOccurs="1" minOccurs="1" name="BEG">'
        f"{beg}</EDISegment>"
        '<EDILoop isNode="true" key="5" maxOccurs="100000" minOccurs="1" name="PO1Loop">'
        '<EDISegment isNode="true" key="6" maxOccurs="1" minOccurs="1" name="PO1">'
        f"{po1}</EDISegment>"
        "</EDILoop></DataElements></EDIProfile>"
    )


def profile_db(table: str, columns: list[str]) -> str:
    fields = "".join(
        f'<DBField dataType="character" isMappable="true" isNode="true" isOutput="true" '
        f'key="{i + 3}" name="{column}">'
        "<DataFormat><ProfileCharacterFormat/></DataFormat></DBField>"
        for i, column in enumerate(columns)
    )
    return (
        '<DatabaseProfile xmlns="" modelVersion="2" strict="false"><ProfileProperties>'
        '<DBGeneralInfo executionType="READ"/></ProfileProperties><DataElements>'
        f'<DBStatement isNode="true" key="1" name="Statement"><DBStatementSettings table="{table}" '
        f'type="Select"/><DBResultSet isNode="true" key="2" name="Results">{fields}</DBResultSet>'
        "</DBStatement></DataElements></DatabaseProfile>"
    )


def crossref_table(rows: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<row><col ref="ref1">{a}</col><col ref="ref2">{b}</col><col ref="ref3">{c}</col></row>'
        for a, b, c in rows
    )
    return (
        '<CrossRefTable xmlns="" matchType="exact"><headers><header ref="ref1" name="Source Code"/>'
        '<header ref="ref2" name="Warehouse"/><header ref="ref3" name="Region"/></headers>'
        f"<rows>{body}</rows></CrossRefTable>"
    )


def map_script_xml() -> str:
    return (
        '<scripting xmlns="" scriptType="mapscript" language="groovy2"><inputs>'
        '<input name="sku" type="Character"/></inputs><outputs><output name="normalisedSku"/>'
        "</outputs><script><![CDATA[\n"
        'normalisedSku = sku == null ? "" : sku.trim().toUpperCase().replaceAll("[^A-Z0-9-]", "")\n'
        "]]></script></scripting>"
    )


def process_script_xml() -> str:
    return (
        '<ProcessingScript xmlns="" language="groovy2"><script><![CDATA[\n'
        "import com.boomi.execution.ExecutionUtil\n"
        'String batchId = ExecutionUtil.getDynamicProcessProperty("batchId")\n'
        "for (int i = 0; i < dataContext.getDataCount(); i++) {\n"
        "    Properties props = dataContext.getProperties(i)\n"
        '    props.setProperty("document.dynamic.userdefined.batchId", batchId)\n'
        "    dataContext.storeStream(dataContext.getStream(i), props)\n"
        "}\n"
        "]]></script></ProcessingScript>"
    )


def transform_map(
    source: tuple[str, str, str],
    destination: tuple[str, str, str],
    pairs: list[str],
    functions: str = "",
) -> str:
    mappings = "".join(
        f'<mapping sourceElement="{i + 3}" sourceElementName="Root/{name}" '
        f'destElement="{i + 2}" destElementName="Root/{name}"/>'
        for i, name in enumerate(pairs)
    )
    return (
        f'<map xmlns=""><sourceProfile component="{source[0]}" componentName="{source[1]}" '
        f'type="{source[2]}"/><destinationProfile component="{destination[0]}" '
        f'componentName="{destination[1]}" type="{destination[2]}"/>'
        f"<mappings>{mappings}</mappings><functions>{functions}</functions></map>"
    )


def http_operation(path: str, profile_id: str, headers: dict[str, str] | None = None) -> str:
    request_headers = "".join(
        f'<header headerFieldName="{name}" headerValue="{value}"/>'
        for name, value in (headers or {}).items()
    )
    return (
        '<Operation xmlns=""><Archiving directory="" enabled="false"/><Configuration>'
        '<HttpGetAction dataContentType="application/json" methodType="GET" '
        f'requestProfileType="NONE" responseProfileType="JSON" responseProfile="{profile_id}">'
        f"<requestHeaders>{request_headers}</requestHeaders>"
        '<pathElements><element key="2000000" name="/v2/"/>'
        f'<element key="2000001" name="{path}"/></pathElements></HttpGetAction></Configuration>'
        "<Tracking><TrackedFields/></Tracking><Caching/></Operation>"
    )


def generic_operation(action: str, settings: dict[str, str]) -> str:
    fields = "".join(f'<field id="{key}">{value}</field>' for key, value in settings.items())
    return (
        f'<GenericConnectorConfig xmlns=""><field id="action">{action}</field>{fields}'
        "</GenericConnectorConfig>"
    )


class Canvas:
    """Shapes of a process, chained left to right in the order added."""

    def __init__(self) -> None:
        self._shapes: list[tuple[str, str, str]] = []

    def add(self, shapetype: str, label: str, configuration: str) -> Canvas:
        self._shapes.append((shapetype, label, configuration))
        return self

    def xml(self) -> str:
        shapes = []
        for index, (shapetype, label, configuration) in enumerate(self._shapes, start=1):
            following = index + 1 <= len(self._shapes)
            dragpoint = (
                f'<dragpoint name="shape{index}.dragpoint1" toShape="shape{index + 1}" '
                f'x="{160 * index + 144}.0" y="120.0"/>'
                if following
                else ""
            )
            shapes.append(
                f'<shape image="{shapetype}_icon" name="shape{index}" shapetype="{shapetype}" '
                f'userlabel="{label}" x="{160 * index}.0" y="112.0">'
                f"<configuration>{configuration}</configuration>"
                f"<dragpoints>{dragpoint}</dragpoints></shape>"
            )
        return (
            '<process xmlns="" allowSimultaneous="false" enableUserLog="false" '
            'processLogOnErrorOnly="false" purgeDataImmediately="false" updateRunDates="true" '
            f'workload="general"><shapes>{"".join(shapes)}</shapes></process>'
        )


def connector_action(
    connection_id: str, operation_id: str, connector_type: str, action: str
) -> str:
    return (
        f'<connectoraction actionType="{action}" connectorType="{connector_type}" '
        f'connectionId="{connection_id}" operationId="{operation_id}" '
        'allowDynamicCredentials="NONE"/>'
    )


def connector_elements(connection_id: str, operation_id: str, connector_type: str) -> str:
    """The same reference written as element text, as some shapes carry it."""
    return (
        f'<connector connectortype="{connector_type}"><connectionId>{connection_id}</connectionId>'
        f"<operationId>{operation_id}</operationId></connector>"
    )
