"""The demo world: a primary account, two dev sub-accounts, and their components and packages.

Everything is written through the same state operations the API uses, so references between
components are real ids in the content and ComponentReference derives the real trees.

* Dev Team A — "Orders Sync": a process whose packaged tree holds every promotable type
  (sub-process, process route → routed processes, two maps, map and process scripts, JSON /
  XML / flat-file / EDI / database profiles, operations, a cross-reference table) and four
  connections with secrets in every form (element text, attributes, ``<field value=…>``,
  ``<field>…</field>``, ``<EncryptedValue>``, ``<bns:encryptedValues>`` paths). All four
  connections have a shared production twin in the primary's ``#Connections`` folder.
* Dev Team A — "Invoice Export": its tree uses "Legacy FTP", a connection without a mapping.
* Dev Team A — "Customer Sync": promoted and deployed earlier; its production copies are on
  main in the primary account under ``Promoted/DevTeamA/Customers``.
* Dev Team A — six "Batch Job" processes packaged version after version: 120 packages more,
  so that listing the account's packages needs ``queryMore``.
* Dev Team B — "Inventory Feed" with its own mapped connection.
* The primary account's environments: "Test" (TEST) and "Production" (PROD).
* Client Co — a client sub-account with "Client Co Test" (TEST) and "Client Co Production"
  (PROD) where the Customer Sync process is installed: every environment-extension section is
  populated (keyed by the prod component ids), and each environment has a map extension.
  Its process-property component and cross-reference table have dev twins in Dev Team A
  (:attr:`DemoSeed.extension_components`); its trading partner, shared communication and PGP
  certificate exist only in the primary account.

Every secret value planted anywhere starts with ``s3cr3t-`` and is listed in
:attr:`DemoSeed.secret_values`; the shared production connections legitimately hold the
``s3cr3t-prod-`` ones.

The content helpers and the :class:`Seeder` / :class:`Author` builder are public: the
generated dev accounts of :mod:`boomi_promo.emulator.generated` are written with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from boomi_promo.emulator.component_xml import BNS, ComponentDocument
from boomi_promo.emulator.records import (
    CrossReferenceExtension,
    EncryptedValue,
    EnvironmentExtensionSet,
    ExtendedMapping,
    ExtensibleComponent,
    ExtensionCategory,
    ExtensionSetting,
    FunctionInput,
    FunctionOutput,
    MapFunction,
    MapProfile,
    ProfileNode,
    Revision,
)
from boomi_promo.emulator.state import EmulatorState

DEMO_USERNAME = "demo@example.com"
DEMO_API_TOKEN = "demo-boomi-api-token-7f3c9a"  # noqa: S105 - the emulator's fixed demo credential
DEMO_ID_SEED = 20_241_104
"""Every build of the demo seed gets the same component, package and merge ids."""
PRIMARY_ACCOUNT_ID = "primaryaccount-PRM001"
PRIMARY_ACCOUNT_NAME = "Primary Account"
TEAM_A_ID = "devteama-DVA001"
TEAM_B_ID = "devteamb-DVB001"
CLIENT_ID = "clientco-CLC001"
CLIENT_NAME = "Client Co"
BATCH_PROCESSES = 6
BATCH_PACKAGES_PER_PROCESS = 20


class DevAccount(NamedTuple):
    account_id: str
    name: str


class ConnectionMapping(NamedTuple):
    """A dev connection and the shared production connection it stands for."""

    dev_account_id: str
    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str


class ClientAccount(NamedTuple):
    """A client sub-account and the environments its extensions are managed in."""

    account_id: str
    name: str
    test_environment_id: str
    prod_environment_id: str


class PromotedComponent(NamedTuple):
    dev_account_id: str
    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    prod_version: int


@dataclass(frozen=True)
class PriorPromotion:
    """The process promoted and deployed before the demo starts (mappings for ``promo demo``)."""

    dev_account_id: str
    dev_package_id: str
    dev_root_component_id: str
    prod_root_component_id: str
    prod_package_id: str
    prod_folder_path: str
    components: list[PromotedComponent]


@dataclass(frozen=True)
class DemoSeed:
    primary_account_id: str
    primary_account_name: str
    username: str
    api_token: str
    dev_accounts: list[DevAccount]
    connection_mappings: list[ConnectionMapping]
    prior_promotion: PriorPromotion
    full_tree_package_id: str
    """Team A "Orders Sync": every promotable type, all connections mapped."""
    full_tree_process_id: str
    unmapped_connection_package_id: str
    """Team A "Invoice Export": uses a connection with no mapping."""
    unmapped_connection_id: str
    team_b_package_id: str
    paging_account_id: str
    """The dev account with more than 120 packaged components."""
    test_environment_id: str
    """The primary account's "Test" environment (classification TEST)."""
    prod_environment_id: str
    """The primary account's "Production" environment (classification PROD)."""
    secret_values: list[str] = field(default_factory=list)
    client_accounts: list[ClientAccount] = field(default_factory=list)
    extension_components: list[PromotedComponent] = field(default_factory=list)
    """Dev ↔ prod pairs of the extensible components that are not in the prior promotion (the
    process-property component, the cross-reference table): mappings for ``promo demo``."""


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ----------------------------------------------------------------------------- content


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


def _profile_edi() -> str:
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


def _profile_db(table: str, columns: list[str]) -> str:
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


def _crossref(rows: list[tuple[str, str, str]]) -> str:
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


def _generic_operation(action: str, settings: dict[str, str]) -> str:
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


def _connector_elements(connection_id: str, operation_id: str, connector_type: str) -> str:
    """The same reference written as element text, as some shapes carry it."""
    return (
        f'<connector connectortype="{connector_type}"><connectionId>{connection_id}</connectionId>'
        f"<operationId>{operation_id}</operationId></connector>"
    )


# ----------------------------------------------------------------------------- the builder


class Seeder:
    """Writes through the state's own operations and remembers every secret it plants."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.secrets: list[str] = []

    def secret(self, value: str) -> str:
        self.secrets.append(value)
        return value

    def folder(self, account_id: str, path: str) -> str:
        """Folder id of ``path`` below the account's root, creating missing folders."""
        parent_id = self.state.accounts[account_id].root_folder_id
        full = self.state.folder_path(self.state.folders[parent_id])
        for name in path.split("/"):
            full = f"{full}/{name}"
            existing = self.state.find_folder(account_id, full)
            if existing is not None:
                parent_id = existing.folder_id
            else:
                body = {"name": name, "parentId": parent_id}
                parent_id = self.state.create_folder(account_id, body)["id"]
        return parent_id

    def author(self, account_id: str, user: str, at: datetime) -> Author:
        return Author(self, account_id, user, at)


@dataclass
class Author:
    """One developer writing in one account at one moment (``at`` may be moved on)."""

    seeder: Seeder
    account_id: str
    user: str
    at: datetime

    def add(
        self,
        folder: str,
        name: str,
        type_: str,
        content: str,
        *,
        sub_type: str = "",
        encrypted: tuple[EncryptedValue, ...] = (),
    ) -> str:
        overrides = f'<bns:processOverrides xmlns:bns="{BNS}"/>' if type_ == "process" else ""
        document = ComponentDocument(
            component_id="",
            name=name,
            type=type_,
            sub_type=sub_type,
            folder_id=self.seeder.folder(self.account_id, folder),
            branch_id="",
            description=f"{name} ({type_})",
            encrypted_values=encrypted,
            object_xml=content,
            process_overrides_xml=overrides,
        )
        return self._write(document, None).component_id

    def update(
        self, component_id: str, content: str | None = None, *, description: str | None = None
    ) -> None:
        """A new version with new content, or a new description, or both."""
        current = self.seeder.state.component_view(self.account_id, component_id).revision
        document = ComponentDocument(
            component_id=component_id,
            name=current.name,
            type=current.type,
            sub_type=current.sub_type,
            folder_id=current.folder_id,
            branch_id="",
            description=current.description if description is None else description,
            encrypted_values=current.encrypted_values,
            object_xml=current.object_xml if content is None else content,
            process_overrides_xml=current.process_overrides_xml,
        )
        self._write(document, component_id)

    def _write(self, document: ComponentDocument, component_id: str | None) -> Revision:
        view = self.seeder.state.apply_write(
            self.account_id,
            document,
            path_component_id=component_id,
            path_branch_id=None,
            user=self.user,
            at=self.at,
        )
        return view.revision

    def package(self, component_id: str, version: str, notes: str) -> str:
        body = {
            "componentId": component_id,
            "packageVersion": version,
            "notes": notes,
            "shareable": True,
        }
        moment = self.at + timedelta(minutes=30)
        return self.seeder.state.add_package(
            self.account_id, body, user=self.user, at=moment
        ).package_id


# ----------------------------------------------------------------------------- accounts' content


@dataclass
class _Connections:
    http: str
    database: str
    sftp: str
    mail: str


def _dev_connections(seeder: Seeder, at: datetime) -> _Connections:
    """Team A's connections: together they hold a secret in every form component XML uses."""
    a, folder, secret = (
        seeder.author(TEAM_A_ID, "alice@example.com", at),
        "DevTeamA/Connections",
        seeder.secret,
    )
    http = a.add(
        folder,
        "Orders API",
        "connector-settings",
        '<HttpSettings xmlns="" authenticationType="BASIC" '
        f'url="{secret("https://s3cr3t-orders-dev.example.com/api")}">'
        '<AuthSettings user="orders-svc" '
        f'password="{secret("s3cr3t-orders-api-password")}"/>'
        '<SSLOptions clientauth="false" trustServerCert="false"/></HttpSettings>',
        sub_type="http",
    )
    database = a.add(
        folder,
        "Orders Database",
        "connector-settings",
        '<GenericConnectorConfig xmlns="">'
        f'<field id="host">{secret("s3cr3t-orders-db-dev.internal")}</field>'
        '<field id="port">5432</field><field id="dbName">ORDERS</field>'
        '<field id="username">orders_app</field><field id="password"><EncryptedValue>'
        f'{secret("s3cr3t-db-AQEDAHhkZXZwYXNz")}</EncryptedValue></field><field id="jdbcUrl">'
        f"{secret('jdbc:postgresql://s3cr3t-orders-db-dev:5432/ORDERS')}</field>"
        '<field id="maxPoolSize">10</field></GenericConnectorConfig>',
        sub_type="db",
        encrypted=(
            EncryptedValue("//GenericConnectorConfig/field[@id='password']/EncryptedValue", True),
        ),
    )
    sftp = a.add(
        folder,
        "Partner SFTP",
        "connector-settings",
        '<GenericConnectorConfig xmlns="">'
        f'<field id="host" value="{secret("s3cr3t-sftp-dev.partner.example.com")}"/>'
        '<field id="port" value="22"/><field id="username" value="orders_transfer"/>'
        f'<field id="password" value="{secret("s3cr3t-sftp-password")}"/>'
        f'<field id="privateKey">{secret("s3cr3t-sftp-private-key-MIIEvQIBADANBg")}</field>'
        '<field id="connectTimeout" value="30000"/></GenericConnectorConfig>',
        sub_type="sftp",
        encrypted=(
            EncryptedValue("//GenericConnectorConfig/field[@id='privateKey']/text()", True),
        ),
    )
    mail = a.add(
        folder,
        "Notifications Mail",
        "connector-settings",
        '<MailSettings xmlns="" protocol="smtp" useSSL="true">'
        f"<host>{secret('s3cr3t-smtp-dev.example.com')}</host><port>465</port>"
        f"<user>orders-notify</user><password>{secret('s3cr3t-mail-password')}</password>"
        f"<apiKey>{secret('s3cr3t-mail-api-key-5d41402a')}</apiKey></MailSettings>",
        sub_type="mail",
    )
    return _Connections(http, database, sftp, mail)


def http_settings(url: str, user: str, password: str) -> str:
    return (
        f'<HttpSettings xmlns="" authenticationType="BASIC" url="{url}">'
        f'<AuthSettings user="{user}" password="{password}"/></HttpSettings>'
    )


def _shared_prod_connections(seeder: Seeder, at: datetime) -> dict[str, str]:
    """The primary account's ``#Connections``: production twins of the dev connections."""
    secret = seeder.secret
    connections = {
        "Orders API": (
            "http",
            http_settings(
                secret("https://s3cr3t-prod-orders.example.com/api"),
                "orders-svc",
                secret("s3cr3t-prod-orders-api-password"),
            ),
        ),
        "Orders Database": (
            "db",
            '<GenericConnectorConfig xmlns="">'
            f'<field id="host">{secret("s3cr3t-prod-orders-db.internal")}</field>'
            '<field id="port">5432</field><field id="password"><EncryptedValue>'
            f"{secret('s3cr3t-prod-db-AQEDAHhwcm9k')}</EncryptedValue></field>"
            "</GenericConnectorConfig>",
        ),
        "Partner SFTP": (
            "sftp",
            '<GenericConnectorConfig xmlns="">'
            f'<field id="host" value="{secret("s3cr3t-prod-sftp.partner.example.com")}"/>'
            f'<field id="password" value="{secret("s3cr3t-prod-sftp-password")}"/>'
            "</GenericConnectorConfig>",
        ),
        "Notifications Mail": (
            "mail",
            f'<MailSettings xmlns="" protocol="smtp"><host>{secret("s3cr3t-prod-smtp.example.com")}'
            f"</host><password>{secret('s3cr3t-prod-mail-password')}</password></MailSettings>",
        ),
        "Inventory API": (
            "http",
            http_settings(
                secret("https://s3cr3t-prod-inventory.example.com"),
                "inventory-svc",
                secret("s3cr3t-prod-inventory-password"),
            ),
        ),
    }
    admin = seeder.author(PRIMARY_ACCOUNT_ID, "carol@example.com", at)
    return {
        name: admin.add("#Connections", name, "connector-settings", content, sub_type=sub)
        for name, (sub, content) in connections.items()
    }


@dataclass
class _OrdersTree:
    process_id: str
    package_id: str


def _orders_tree(seeder: Seeder, connections: _Connections, at: datetime) -> _OrdersTree:
    """Team A "Orders Sync": every promotable component type in one packaged tree."""
    a = seeder.author(TEAM_A_ID, "alice@example.com", at)
    profiles, maps, scripts, ops, routing = (
        f"DevTeamA/Orders/{sub}" for sub in ("Profiles", "Maps", "Scripts", "Operations", "Routing")
    )
    fields = ["orderId", "customerId", "sku", "quantity", "warehouse"]
    json_profile = a.add(profiles, "Order JSON", "profile.json", profile_json("Order", fields))
    xml_profile = a.add(profiles, "Order XML", "profile.xml", profile_xml("Order", fields))
    csv_profile = a.add(profiles, "Order CSV", "profile.flatfile", profile_flatfile(fields))
    edi_profile = a.add(profiles, "X12 850 Purchase Order", "profile.edi", _profile_edi())
    db_profile = a.add(
        profiles,
        "Orders DB Select",
        "profile.db",
        _profile_db("ORDERS", ["ORDER_ID", "CUSTOMER_ID", "SKU", "QUANTITY"]),
    )
    crossref = a.add(
        "DevTeamA/Orders/Lookups",
        "Warehouse Codes",
        "crossref",
        _crossref([("W1", "Rotterdam", "EU"), ("W2", "Memphis", "US"), ("W3", "Osaka", "APAC")]),
    )
    map_script = a.add(scripts, "Normalise SKU", "script.mapping", map_script_xml())
    process_script = a.add(scripts, "Stamp Batch Id", "script.processing", process_script_xml())
    get_orders = a.add(
        ops,
        "Get Orders",
        "connector-action",
        # Operations carry environment values too: a dev bearer token, an SFTP host, a mail key.
        http_operation(
            "orders",
            json_profile,
            {"Authorization": seeder.secret("Bearer s3cr3t-orders-dev-bearer-token")},
        ),
        sub_type="http",
    )
    select_orders = a.add(
        ops,
        "Select Open Orders",
        "connector-action",
        _generic_operation(
            "QUERY",
            {"statement": "SELECT * FROM ORDERS WHERE STATUS = ?", "profile": db_profile},
        ),
        sub_type="db",
    )
    put_file = a.add(
        ops,
        "Upload Order File",
        "connector-action",
        _generic_operation(
            "PUT",
            {
                "remoteDirectory": "/inbound/orders",
                "host": seeder.secret("s3cr3t-sftp-override.partner.example.com"),
            },
        ),
        sub_type="sftp",
    )
    send_mail = a.add(
        ops,
        "Send Order Notice",
        "connector-action",
        _generic_operation(
            "SEND",
            {
                "from": "orders@example.com",
                "subject": "Orders processed",
                "apiKey": seeder.secret("s3cr3t-mail-operation-api-key-9b2e"),
            },
        ),
        sub_type="mail",
    )
    functions = (
        '<function id="FUNC-1" cacheType="None" type="Scripting"><inputs>'
        '<input key="1" name="sku"/></inputs><outputs><output key="1" name="normalisedSku"/>'
        f'</outputs><configuration><scriptComponent component="{map_script}" '
        'componentName="Normalise SKU"/></configuration></function>'
        '<function id="FUNC-2" cacheType="ByMap" type="Lookup"><inputs>'
        '<input key="1" name="Source Code"/></inputs><outputs><output key="1" name="Warehouse"/>'
        f'</outputs><configuration><crossRefTable component="{crossref}" '
        'componentName="Warehouse Codes" sourceRef="ref1" destRef="ref2"/></configuration>'
        "</function>"
    )
    json_to_xml = a.add(
        maps,
        "Order JSON to XML",
        "transform.map",
        transform_map(
            (json_profile, "Order JSON", "profile.json"),
            (xml_profile, "Order XML", "profile.xml"),
            fields,
            functions,
        ),
    )
    db_to_csv = a.add(
        maps,
        "Orders DB to CSV",
        "transform.map",
        transform_map(
            (db_profile, "Orders DB Select", "profile.db"),
            (csv_profile, "Order CSV", "profile.flatfile"),
            ["ORDER_ID", "CUSTOMER_ID", "SKU"],
        ),
    )
    read_po = (
        '<setproperties><properties><property name="poNumber" type="profile_element" '
        f'profileId="{edi_profile}" element="BEG/BEG03"/></properties></setproperties>'
    )
    stamp = (
        '<dataprocess><step index="1" key="1" name="Custom Scripting" processtype="12">'
        '<dataprocessscript language="groovy2" useCache="true">'
        f'<scriptComponent component="{process_script}" componentName="Stamp Batch Id"/>'
        "</dataprocessscript></step></dataprocess>"
    )
    validate = a.add(
        "DevTeamA/Orders/Subprocesses",
        "Orders - Validate",
        "process",
        Canvas()
        .add("start", "", "<passthroughaction/>")
        .add("setproperties", "Read PO number", read_po)
        .add("dataprocess", "Stamp batch", stamp)
        .add("returndocuments", "Valid", '<returndocuments label="Valid"/>')
        .xml(),
    )
    standard = a.add(
        routing,
        "Orders - Standard Route",
        "process",
        Canvas()
        .add("start", "", "<passthroughaction/>")
        .add("message", "Tag", '<message mimeType="text/plain"><![CDATA[standard]]></message>')
        .add("returndocuments", "Done", '<returndocuments label="Done"/>')
        .xml(),
    )
    rush = a.add(
        routing,
        "Orders - Rush Route",
        "process",
        Canvas()
        .add("start", "", "<passthroughaction/>")
        .add(
            "connectoraction",
            "Notify",
            connector_action(connections.mail, send_mail, "mail", "Send"),
        )
        .add("returndocuments", "Done", '<returndocuments label="Done"/>')
        .xml(),
    )
    routes = "".join(
        f'<route processId="{process}"><keyValues><keyValue key="orderType" value="{value}"/>'
        '</keyValues><returnPathMappings><returnPathMapping returnPath="Done" '
        'returnDocumentShape="Done"/></returnPathMappings></route>'
        for process, value in ((standard, "STANDARD"), (rush, "RUSH"))
    )
    router = a.add(
        routing,
        "Order Type Router",
        "processroute",
        '<processRoute xmlns="" passthrough="false"><returnPaths><returnPath name="Done"/>'
        '</returnPaths><routeKeys><routeKey name="orderType"/></routeKeys>'
        f"<routes>{routes}</routes></processRoute>",
    )

    def canvas(revision: int) -> str:
        steps = (
            Canvas()
            .add(
                "start", "Get orders", connector_action(connections.http, get_orders, "http", "Get")
            )
            .add("map", "JSON to XML", f'<map mapId="{json_to_xml}"/>')
            .add(
                "processcall",
                "Validate",
                f'<processcall abort="true" processId="{validate}" wait="true"/>',
            )
            .add("processroute", "Route by type", f'<processroute processRouteId="{router}"/>')
            .add(
                "connectoraction",
                "Read open orders",
                connector_action(connections.database, select_orders, "db", "Get"),
            )
            .add("map", "DB to CSV", f'<map mapId="{db_to_csv}"/>')
            .add(
                "connectoraction", "Upload", _connector_elements(connections.sftp, put_file, "sftp")
            )
        )
        if revision >= 2:
            notify = connector_action(connections.mail, send_mail, "mail", "Send")
            steps.add("connectoraction", "Notify", notify)
        if revision >= 3:
            steps.add("message", "Summary", '<message mimeType="text/plain">done</message>')
        return steps.add("stop", "", '<stop continue="true"/>').xml()

    process = a.add("DevTeamA/Orders", "Orders Sync", "process", canvas(1))
    package_id = ""
    for revision, version in ((1, "1.0"), (2, "1.1"), (3, "2.0")):
        if revision > 1:
            a.at += timedelta(days=20)
            a.update(process, canvas(revision))
        package_id = a.package(process, version, f"Orders Sync {version}")
    return _OrdersTree(process, package_id)


def _invoice_tree(seeder: Seeder, connections: _Connections, at: datetime) -> tuple[str, str]:
    """Team A "Invoice Export" (package id, connection id): Legacy FTP has no mapping."""
    a, folder, secret = (
        seeder.author(TEAM_A_ID, "bob@example.com", at),
        "DevTeamA/Invoices",
        seeder.secret,
    )
    ftp = a.add(
        "DevTeamA/Connections",
        "Legacy FTP",
        "connector-settings",
        '<GenericConnectorConfig xmlns="">'
        f'<field id="host">{secret("s3cr3t-ftp-legacy.example.com")}</field>'
        f'<field id="password" value="{secret("s3cr3t-ftp-password")}"/>'
        '<field id="username" value="invoices"/></GenericConnectorConfig>',
        sub_type="ftp",
    )
    csv = a.add(
        folder,
        "Invoice CSV",
        "profile.flatfile",
        profile_flatfile(["invoiceId", "orderId", "amount", "currency"]),
    )
    upload = a.add(
        folder,
        "Upload Invoices",
        "connector-action",
        _generic_operation("PUT", {"remoteDirectory": "/invoices", "profile": csv}),
        sub_type="ftp",
    )
    select = a.add(
        folder,
        "Select Invoices",
        "connector-action",
        _generic_operation("QUERY", {"statement": "SELECT * FROM INVOICES"}),
        sub_type="db",
    )
    process = a.add(
        folder,
        "Invoice Export",
        "process",
        Canvas()
        .add("start", "Read invoices", connector_action(connections.database, select, "db", "Get"))
        .add("connectoraction", "Upload", connector_action(ftp, upload, "ftp", "Send"))
        .add("stop", "", '<stop continue="true"/>')
        .xml(),
    )
    return a.package(process, "1.0", "First invoice export"), ftp


PRIOR_DESCRIPTIONS = {
    "Customer JSON": "The customer record as the CRM API returns it.",
    "Customer XML": "The customer record the warehouse imports.",
    "Get Customers": "Reads the customers changed since the last run from the CRM API.",
    "Customer JSON to XML": "CRM customer JSON to the warehouse's XML.",
    "Customer Sync": "Nightly: customers from the CRM to the warehouse.",
}
"""What Alice wrote in each Customer Sync component after its release (descriptions only)."""


def _prior_promotion(
    seeder: Seeder, connections: _Connections, prod_connections: dict[str, str], at: datetime
) -> PriorPromotion:
    """Team A "Customer Sync", already promoted: dev tree, prod copies on main, prod package.

    Since that release Alice described every component (version 2 of each in dev, content
    as released): promoting it again updates all five, as a promotion with something new
    does (SPEC §9), and the delta of issue 16 shows in the description lines.
    """
    fields = ["customerId", "name", "email", "country"]

    def contents(ids: dict[str, str]) -> list[tuple[str, str, str, str, str]]:
        """(name, type, sub-folder, content, subType); ``ids`` maps names to this side's ids."""
        return [
            ("Customer JSON", "profile.json", "Profiles", profile_json("Customer", fields), ""),
            ("Customer XML", "profile.xml", "Profiles", profile_xml("Customer", fields), ""),
            (
                "Get Customers",
                "connector-action",
                "Operations",
                http_operation("customers", ids.get("Customer JSON", "")),
                "http",
            ),
            (
                "Customer JSON to XML",
                "transform.map",
                "Maps",
                transform_map(
                    (ids.get("Customer JSON", ""), "Customer JSON", "profile.json"),
                    (ids.get("Customer XML", ""), "Customer XML", "profile.xml"),
                    fields,
                ),
                "",
            ),
            (
                "Customer Sync",
                "process",
                "",
                Canvas()
                .add(
                    "start",
                    "Get",
                    connector_action(
                        ids["#connection"], ids.get("Get Customers", ""), "http", "Get"
                    ),
                )
                .add("map", "JSON to XML", f'<map mapId="{ids.get("Customer JSON to XML", "")}"/>')
                .add("stop", "", '<stop continue="true"/>')
                .xml(),
                "",
            ),
        ]

    dev = seeder.author(TEAM_A_ID, "alice@example.com", at)
    prod = seeder.author(PRIMARY_ACCOUNT_ID, "carol@example.com", at + timedelta(days=30))
    dev_ids = {"#connection": connections.http}
    prod_ids = {"#connection": prod_connections["Orders API"]}
    promoted: list[PromotedComponent] = []
    for index, (name, type_, sub_folder, _content, sub_type) in enumerate(contents(dev_ids)):
        folder = "/".join(part for part in ("DevTeamA/Customers", sub_folder) if part)
        # Later parts reference earlier ones: build each side's content with the ids so far.
        dev_ids[name] = dev.add(folder, name, type_, contents(dev_ids)[index][3], sub_type=sub_type)
        prod_ids[name] = prod.add(
            f"Promoted/{folder}", name, type_, contents(prod_ids)[index][3], sub_type=sub_type
        )
        promoted.append(PromotedComponent(TEAM_A_ID, dev_ids[name], prod_ids[name], name, type_, 1))
    dev_package_id = dev.package(dev_ids["Customer Sync"], "1.0", "Customer sync, first release")
    later = seeder.author(TEAM_A_ID, "alice@example.com", at + timedelta(days=45))
    for name, description in PRIOR_DESCRIPTIONS.items():
        later.update(dev_ids[name], description=description)
    return PriorPromotion(
        dev_account_id=TEAM_A_ID,
        dev_package_id=dev_package_id,
        dev_root_component_id=dev_ids["Customer Sync"],
        prod_root_component_id=prod_ids["Customer Sync"],
        prod_package_id=prod.package(
            prod_ids["Customer Sync"], "1.0", "Promoted from Dev Team A package 1.0"
        ),
        prod_folder_path=f"{PRIMARY_ACCOUNT_NAME}/Promoted/DevTeamA/Customers",
        components=promoted,
    )


def _team_b(seeder: Seeder, at: datetime) -> tuple[str, str]:
    """Team B "Inventory Feed" (package id, connection id)."""
    b, folder, secret = (
        seeder.author(TEAM_B_ID, "dave@example.com", at),
        "DevTeamB/Inventory",
        seeder.secret,
    )
    connection = b.add(
        "DevTeamB/Connections",
        "Inventory API",
        "connector-settings",
        http_settings(
            secret("https://s3cr3t-inventory-dev.example.com"),
            "inventory-svc",
            secret("s3cr3t-inventory-password"),
        ),
        sub_type="http",
    )
    fields = ["sku", "warehouse", "onHand"]
    json_profile = b.add(folder, "Inventory JSON", "profile.json", profile_json("Stock", fields))
    csv_profile = b.add(folder, "Inventory CSV", "profile.flatfile", profile_flatfile(fields))
    operation = b.add(
        folder,
        "Get Stock Levels",
        "connector-action",
        http_operation("stock", json_profile),
        sub_type="http",
    )
    mapping = b.add(
        folder,
        "Inventory JSON to CSV",
        "transform.map",
        transform_map(
            (json_profile, "Inventory JSON", "profile.json"),
            (csv_profile, "Inventory CSV", "profile.flatfile"),
            fields,
        ),
    )
    process = b.add(
        folder,
        "Inventory Feed",
        "process",
        Canvas()
        .add("start", "Get stock", connector_action(connection, operation, "http", "Get"))
        .add("map", "To CSV", f'<map mapId="{mapping}"/>')
        .add("stop", "", '<stop continue="true"/>')
        .xml(),
    )
    return b.package(process, "1.0", "Nightly feed"), connection


def _batch_jobs(seeder: Seeder, at: datetime) -> None:
    """Six processes packaged twenty times each over many months, so listing needs paging."""
    shared = seeder.author(TEAM_A_ID, "bob@example.com", at)
    record = shared.add(
        "DevTeamA/Batch",
        "Batch Record JSON",
        "profile.json",
        profile_json("Record", ["id", "payload", "checksum"]),
    )

    def content(job: int, revision: int) -> str:
        read_id = (
            '<setproperties><properties><property name="recordId" type="profile_element" '
            f'profileId="{record}" element="Record/id"/></properties></setproperties>'
        )
        return (
            Canvas()
            .add("start", "", "<passthroughaction/>")
            .add("setproperties", f"Batch {job} r{revision}", read_id)
            .add("stop", "", '<stop continue="true"/>')
            .xml()
        )

    for job in range(1, BATCH_PROCESSES + 1):
        name = f"Batch Job {job:02d}"
        author = seeder.author(
            TEAM_A_ID, ("alice@example.com", "bob@example.com")[job % 2], at + timedelta(days=job)
        )
        process = author.add("DevTeamA/Batch", name, "process", content(job, 1))
        for revision in range(1, BATCH_PACKAGES_PER_PROCESS + 1):
            if revision > 1:
                author.at += timedelta(days=3 + (job * revision) % 11, hours=job)
                author.update(process, content(job, revision))
            author.package(process, f"{revision // 10}.{revision % 10}", f"{name} build {revision}")


def _setting(
    key: str,
    default: str,
    override: str | None = None,
    *,
    encrypted: bool = False,
    label: str = "",
) -> ExtensionSetting:
    return ExtensionSetting(
        key, default, override, label=label, uses_encryption=encrypted, validate=bool(label)
    )


def _connection_extensions(
    prod_connections: dict[str, str], stage: str, secret: Callable[[str], str]
) -> list[ExtensibleComponent]:
    """The shared prod connections as a client environment sees them; each has its own
    secrets there (only Orders API's password is set in every environment)."""
    host = f"{stage}.clientco.example.com"
    fields: dict[str, list[ExtensionSetting]] = {
        "Orders API": [
            _setting("url", "https://orders.example.com/api", f"https://orders.{host}/api"),
            _setting("user", "orders-svc", f"clientco-orders-{stage}"),
            _setting("password", "", secret(f"s3cr3t-clientco-{stage}-orders-api"), encrypted=True),
        ],
        "Orders Database": [
            _setting("host", "orders-db.internal", f"orders-db.{host}"),
            _setting("port", "5432"),
            _setting("password", "", encrypted=True),
        ],
        "Partner SFTP": [
            _setting("host", "sftp.partner.example.com"),
            _setting("password", "", encrypted=True),
        ],
        "Notifications Mail": [
            _setting("host", "smtp.example.com", f"smtp.{host}"),
            _setting("password", "", encrypted=True),
        ],
        "Inventory API": [
            _setting("url", "https://inventory.example.com"),
            _setting("password", "", encrypted=True),
        ],
    }
    return [
        ExtensibleComponent(prod_connections[name], name, settings)
        for name, settings in fields.items()
    ]


@dataclass(frozen=True)
class _ExtensionComponents:
    """Prod ids of the client installation's extensible components beyond the prior promotion."""

    process_properties: str
    country_codes: str
    trading_partner: str
    shared_communication: str
    pgp_certificate: str
    twins: list[PromotedComponent]


def _extension_components(seeder: Seeder, at: datetime) -> _ExtensionComponents:
    dev = seeder.author(TEAM_A_ID, "alice@example.com", at)
    prod = seeder.author(PRIMARY_ACCOUNT_ID, "carol@example.com", at + timedelta(days=1))
    properties = (
        '<DefinedProcessPropertyContainer xmlns="">'
        '<DefinedProcessProperty key="batchSize" label="Batch size" type="number">'
        "<defaultValue>100</defaultValue></DefinedProcessProperty>"
        '<DefinedProcessProperty key="targetRegion" label="Target region" type="string">'
        "<defaultValue>EU</defaultValue></DefinedProcessProperty>"
        '<DefinedProcessProperty key="webhookToken" label="Webhook token" type="password"/>'
        "</DefinedProcessPropertyContainer>"
    )
    countries = (
        '<CrossRefTable xmlns="" matchType="exact"><headers><header ref="ref1" name="ISO"/>'
        '<header ref="ref2" name="Country"/><header ref="ref3" name="Region"/></headers><rows>'
        '<row><col ref="ref1">NL</col><col ref="ref2">Netherlands</col><col ref="ref3">EU</col>'
        '</row><row><col ref="ref1">US</col><col ref="ref2">United States</col>'
        '<col ref="ref3">NA</col></row></rows></CrossRefTable>'
    )
    twins: list[PromotedComponent] = []
    prod_ids: dict[str, str] = {}
    for name, type_, content in (
        ("Customer Sync Settings", "processproperty", properties),
        ("Country Codes", "crossref", countries),
    ):
        dev_id = dev.add("DevTeamA/Customers/Settings", name, type_, content)
        prod_ids[name] = prod.add("Promoted/DevTeamA/Customers/Settings", name, type_, content)
        twins.append(PromotedComponent(TEAM_A_ID, dev_id, prod_ids[name], name, type_, 1))
    shared = "Shared/Trading Partners"
    return _ExtensionComponents(
        process_properties=prod_ids["Customer Sync Settings"],
        country_codes=prod_ids["Country Codes"],
        trading_partner=prod.add(
            shared,
            "Acme Retail",
            "tradingpartner",
            '<TradingPartner xmlns="" standard="x12" classification="tradingpartner"/>',
        ),
        shared_communication=prod.add(
            shared,
            "AS2 Shared Channel",
            "tpcommoptions",
            '<CommunicationOptions xmlns="" method="as2"/>',
        ),
        pgp_certificate=prod.add(
            shared, "Partner PGP Key", "certificate.pgp", '<Certificate xmlns="" type="pgp"/>'
        ),
        twins=twins,
    )


def _client_extensions(
    environment_id: str,
    stage: str,
    prod_connections: dict[str, str],
    prior: PriorPromotion,
    components: _ExtensionComponents,
    secret: Callable[[str], str],
) -> EnvironmentExtensionSet:
    """Every section populated; Test and Production differ in their overrides."""
    prod_ids = {c.component_name: c.prod_component_id for c in prior.components}
    production = stage == "prod"
    return EnvironmentExtensionSet(
        environment_id=environment_id,
        account_id=CLIENT_ID,
        connections=_connection_extensions(prod_connections, stage, secret),
        operations=[
            ExtensibleComponent(
                prod_ids["Get Customers"],
                "Get Customers",
                [
                    _setting("path", "customers", "v2/customers" if production else None),
                    _setting("timeout", "30000", "60000"),
                ],
            )
        ],
        trading_partners=[
            ExtensibleComponent(
                components.trading_partner,
                "Acme Retail",
                categories=[
                    ExtensionCategory(
                        "AS2",
                        "AS2 communication",
                        [
                            _setting("url", "", f"https://as2.acme-retail.example.com/{stage}"),
                            _setting("as2Identifier", "ACMERETAIL", None),
                        ],
                    ),
                    ExtensionCategory(
                        "Contact", "Contact", [_setting("email", "", "edi@acme-retail.example.com")]
                    ),
                ],
            )
        ],
        shared_communications=[
            ExtensibleComponent(
                components.shared_communication,
                "AS2 Shared Channel",
                [
                    _setting("url", "https://as2.example.com", f"https://as2-{stage}.example.com"),
                    _setting(
                        "password", "", secret(f"s3cr3t-clientco-{stage}-as2"), encrypted=True
                    ),
                ],
                type="AS2",
            )
        ],
        cross_references=[
            CrossReferenceExtension(
                components.country_codes,
                "Country Codes",
                3,
                default_rows=[["NL", "Netherlands", "EU"], ["US", "United States", "NA"]],
                override_rows=None
                if production
                else [["NL", "Netherlands", "EU"], ["DE", "Germany", "EU"]],
            )
        ],
        properties=[
            _setting("customerSyncBatchSize", "100", "500" if production else "50"),
            _setting("notificationEmail", "ops@example.com", f"clientco-{stage}@example.com"),
        ],
        process_properties=[
            ExtensibleComponent(
                components.process_properties,
                "Customer Sync Settings",
                [
                    _setting("batchSize", "100", "250", label="Batch size"),
                    _setting("targetRegion", "EU", label="Target region"),
                    _setting(
                        "webhookToken",
                        "",
                        secret(f"s3cr3t-clientco-{stage}-webhook-token"),
                        encrypted=True,
                        label="Webhook token",
                    ),
                ],
            )
        ],
        pgp_certificates=[
            _setting(components.pgp_certificate, "", f"clientco-{stage}-pgp-2025"),
        ],
    )


def _customer_nodes(root: str, object_path: str) -> list[ProfileNode]:
    return [
        ProfileNode(name, f"{root}{object_path}/{name}")
        for name in ("customerId", "name", "email", "country")
    ]


def _client_map_extension(
    state: EmulatorState,
    environment_id: str,
    prior: PriorPromotion,
    prod_connections: dict[str, str],
    *,
    production: bool,
) -> None:
    """Customer JSON to XML, extensible: Test maps the country in upper case, Prod keeps the
    plain e-mail mapping."""
    prod_ids = {c.component_name: c.prod_component_id for c in prior.components}
    extension = state.add_map_extension(
        CLIENT_ID,
        environment_id,
        map_id=prod_ids["Customer JSON to XML"],
        process_id=prior.prod_root_component_id,
        source_profile=MapProfile(
            prod_ids["Customer JSON"],
            "profile.json",
            _customer_nodes("Customer", "/Object"),
            connection_id=prod_connections["Orders API"],
        ),
        destination_profile=MapProfile(
            prod_ids["Customer XML"], "profile.xml", _customer_nodes("Customer", "")
        ),
    )
    extension.mappings = [ExtendedMapping("Customer/Object/email", "Customer/email")]
    if not production:
        extension.functions = [
            MapFunction(
                "FUNCEXT-1",
                "StringToUpper",
                inputs=[FunctionInput(1, "Original String")],
                outputs=[FunctionOutput(1, "Result")],
            )
        ]
        extension.mappings += [
            ExtendedMapping("Customer/Object/country", "1", to_function="FUNCEXT-1"),
            ExtendedMapping("1", "Customer/country", from_function="FUNCEXT-1"),
        ]


def _client_account(
    seeder: Seeder, prod_connections: dict[str, str], prior: PriorPromotion, at: datetime
) -> tuple[ClientAccount, list[PromotedComponent]]:
    """Client Co, with the Customer Sync process installed in its Test and Prod environments."""
    state = seeder.state
    state.add_account(CLIENT_ID, CLIENT_NAME, parent_account_id=PRIMARY_ACCOUNT_ID, at=at)
    components = _extension_components(seeder, at)
    environments: dict[str, str] = {}
    for stage, name, classification in (
        ("test", f"{CLIENT_NAME} Test", "TEST"),
        ("prod", f"{CLIENT_NAME} Production", "PROD"),
    ):
        environment = state.add_environment(CLIENT_ID, name, classification, at=at)
        environment_id = environments[stage] = environment.environment_id
        state.install_extensions(
            _client_extensions(
                environment_id, stage, prod_connections, prior, components, seeder.secret
            )
        )
        _client_map_extension(
            state, environment_id, prior, prod_connections, production=stage == "prod"
        )
    client = ClientAccount(CLIENT_ID, CLIENT_NAME, environments["test"], environments["prod"])
    return client, components.twins


def build_demo_state(
    *, username: str = DEMO_USERNAME, api_token: str = DEMO_API_TOKEN
) -> tuple[EmulatorState, DemoSeed]:
    state = EmulatorState.create(
        primary_account_id=PRIMARY_ACCOUNT_ID,
        primary_account_name=PRIMARY_ACCOUNT_NAME,
        username=username,
        api_token=api_token,
        id_seed=DEMO_ID_SEED,
    )
    origin = _when("2024-11-04T09:00:00")
    state.add_account(TEAM_A_ID, "Dev Team A", parent_account_id=PRIMARY_ACCOUNT_ID, at=origin)
    state.add_account(TEAM_B_ID, "Dev Team B", parent_account_id=PRIMARY_ACCOUNT_ID, at=origin)
    seeder = Seeder(state)
    seeder.folder(PRIMARY_ACCOUNT_ID, "Promoted")
    prod = _shared_prod_connections(seeder, origin)
    team_a = _dev_connections(seeder, origin + timedelta(days=1))
    prior = _prior_promotion(seeder, team_a, prod, origin + timedelta(days=10))
    _batch_jobs(seeder, origin + timedelta(days=14))
    orders = _orders_tree(seeder, team_a, _when("2025-09-01T08:30:00"))
    team_b_package, inventory = _team_b(seeder, _when("2025-10-02T10:00:00"))
    unmapped_package, ftp = _invoice_tree(seeder, team_a, _when("2025-10-20T13:15:00"))
    # Created last: ids come from one seeded sequence, so earlier objects keep theirs.
    test_environment = state.add_environment(PRIMARY_ACCOUNT_ID, "Test", "TEST", at=origin)
    prod_environment = state.add_environment(PRIMARY_ACCOUNT_ID, "Production", "PROD", at=origin)
    dev_connections = [
        (TEAM_A_ID, team_a.http, "Orders API"),
        (TEAM_A_ID, team_a.database, "Orders Database"),
        (TEAM_A_ID, team_a.sftp, "Partner SFTP"),
        (TEAM_A_ID, team_a.mail, "Notifications Mail"),
        (TEAM_B_ID, inventory, "Inventory API"),
    ]
    client, extension_components = _client_account(
        seeder, prod, prior, _when("2025-10-27T09:00:00")
    )
    seed = DemoSeed(
        primary_account_id=PRIMARY_ACCOUNT_ID,
        primary_account_name=PRIMARY_ACCOUNT_NAME,
        username=username,
        api_token=api_token,
        dev_accounts=[DevAccount(TEAM_A_ID, "Dev Team A"), DevAccount(TEAM_B_ID, "Dev Team B")],
        connection_mappings=[
            ConnectionMapping(account, dev_id, prod[name], name, "connector-settings")
            for account, dev_id, name in dev_connections
        ],
        prior_promotion=prior,
        full_tree_package_id=orders.package_id,
        full_tree_process_id=orders.process_id,
        unmapped_connection_package_id=unmapped_package,
        unmapped_connection_id=ftp,
        team_b_package_id=team_b_package,
        paging_account_id=TEAM_A_ID,
        test_environment_id=test_environment.environment_id,
        prod_environment_id=prod_environment.environment_id,
        secret_values=seeder.secrets,
        client_accounts=[client],
        extension_components=extension_components,
    )
    return state, seed
