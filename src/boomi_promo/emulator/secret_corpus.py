"""A dev sub-account built to leak: every promotable component type, secrets in every form.

:func:`add_secret_corpus_account` adds a dev sub-account under the primary account with one
packaged process whose tree holds a component of every promotable type
(:data:`boomi_promo.domain.component_types.COMPONENT_TYPES` but connections) and two dev
connections, each with a shared production twin in the primary account's ``#Connections``
folder (the mappings a platform team would seed; :attr:`SecretCorpus.connections`).

Every component carries a secret in each of the generic forms (:data:`GENERIC_FORMS`), and
the types that have a place of their own for credentials carry those too: a trading partner's
AS2 and FTP settings, a certificate's key and key password, a PGP key ring, an operation's
``Proxy-Authorization`` header, a web service's OAuth client secret, a queue's broker URL, a
process's overrides and Set Properties values. Every planted value is unique, made of
letters, digits and one ``!`` (so that its URL-encoded form differs from it), and recorded
with its form and component in :attr:`SecretCorpus.secrets`; none of them is a part of
another. The production twins hold values of their own that are not recorded.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from boomi_promo.domain.component_types import COMPONENT_TYPES, CONNECTION_TYPE
from boomi_promo.emulator.component_xml import BNS, ComponentDocument
from boomi_promo.emulator.records import EncryptedValue
from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.content import Canvas, connector_action
from boomi_promo.emulator.state.world import EmulatorState

CORPUS_AT = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
PACKAGE_VERSION = "1.0"
PLANTED_PREFIX = "cnry"
"""Every planted value starts with this, then a 4-digit serial number."""


class SecretForm(StrEnum):
    """Where in component XML a secret stands."""

    ELEMENT_TEXT = "element text (<password>)"
    ATTRIBUTE = "attribute (password=)"
    FIELD_VALUE = "generic field value attribute"
    FIELD_TEXT = "generic field text"
    NAME_VALUE = "name/value pair (property, parameter)"
    AUTHORIZATION_HEADER = "HTTP Authorization header"
    ENCRYPTED_VALUE = "<EncryptedValue>"
    ENCRYPTED_PATH = "<bns:encryptedValues> path"
    COMPOUND_NAME = "compound secret name (smtpPassword, db_secret)"
    URL_CREDENTIALS = "password in a URL"
    CONNECTION_STRING = "password in a connection string"
    PRIVATE_KEY = "PEM private key"
    PGP_PRIVATE_KEY = "PGP private key block"
    PASSWORD_PROPERTY = "password-typed process property"  # noqa: S105 - a form's name
    OAUTH = "OAuth client secret and tokens"
    PROCESS_OVERRIDE = "process override value"


GENERIC_FORMS = (
    SecretForm.ELEMENT_TEXT,
    SecretForm.ATTRIBUTE,
    SecretForm.FIELD_VALUE,
    SecretForm.FIELD_TEXT,
    SecretForm.NAME_VALUE,
    SecretForm.AUTHORIZATION_HEADER,
    SecretForm.ENCRYPTED_VALUE,
    SecretForm.ENCRYPTED_PATH,
    SecretForm.COMPOUND_NAME,
    SecretForm.URL_CREDENTIALS,
    SecretForm.CONNECTION_STRING,
    SecretForm.PRIVATE_KEY,
    SecretForm.PASSWORD_PROPERTY,
)
"""Planted in every component of the corpus, first inside its configuration element."""


@dataclass(frozen=True)
class PlantedSecret:
    value: str
    form: SecretForm
    component_name: str
    component_type: str


@dataclass(frozen=True)
class CorpusConnection:
    """A dev connection and the shared production connection it is mapped to."""

    dev_component_id: str
    prod_component_id: str
    name: str


@dataclass(frozen=True)
class SecretCorpus:
    account_id: str
    name: str
    primary_account_id: str
    package_id: str
    """Version 1.0 of the root process: its snapshot is the whole tree."""
    process_id: str
    connections: tuple[CorpusConnection, ...]
    promotable_types: frozenset[str]
    """The component types of the tree's promotable components: every one there is."""
    component_count: int
    """Promotable components in the tree (the two processes both counted)."""
    secrets: tuple[PlantedSecret, ...]

    def values(self) -> list[str]:
        return [secret.value for secret in self.secrets]


PROMOTABLE_TYPES = frozenset(COMPONENT_TYPES - {CONNECTION_TYPE})

# The configuration element of each type, as Boomi names it (profiles and the types the
# seed already writes follow the seed; the rarer ones follow Boomi's component names).
_ROOT_ELEMENTS = {
    "certificate": '<Certificate xmlns="" type="x509" alias="partner-signing">',
    "certificate.pgp": '<Certificate xmlns="" type="pgp" alias="partner-pgp">',
    "connector-action": '<Operation xmlns="">',
    "crossref": '<CrossRefTable xmlns="" matchType="exact">',
    "customlibrary": '<CustomLibrary xmlns="" libraryType="connector">',
    "documentcache": '<DocumentCache xmlns="" enforceOneEntryPerKey="false">',
    "edistandard": '<EdiStandard xmlns="" standard="x12" version="005010">',
    "flowservice": '<FlowService xmlns="" externalName="corpusService">',
    "process": '<process xmlns="" allowSimultaneous="false" workload="general">',
    "processproperty": '<DefinedProcessPropertyContainer xmlns="">',
    "processroute": '<processRoute xmlns="" passthrough="false">',
    "profile.db": '<DatabaseProfile xmlns="" modelVersion="2" strict="false">',
    "profile.edi": '<EDIProfile xmlns="" modelVersion="2" strict="false">',
    "profile.flatfile": '<FlatFileProfile xmlns="" modelVersion="2" strict="true">',
    "profile.json": '<JSONProfile xmlns="" strict="false">',
    "profile.xml": '<XMLProfile xmlns="" modelVersion="2" strict="true">',
    "queue": '<Queue xmlns="" type="atomQueue">',
    "script.mapping": '<scripting xmlns="" scriptType="mapscript" language="groovy2">',
    "script.processing": '<ProcessingScript xmlns="" language="groovy2">',
    "tpcommoptions": '<CommunicationOptions xmlns="" method="as2">',
    "tpgroup": '<TradingPartnerGroup xmlns="" standard="x12">',
    "tporganization": '<TradingPartnerOrganization xmlns="">',
    "tradingpartner": '<TradingPartner xmlns="" standard="x12" classification="tradingpartner">',
    "transform.function": '<MapFunction xmlns="" type="user">',
    "transform.map": '<map xmlns="">',
    "webservice": '<WebService xmlns="" type="rest">',
    "webservice.external": '<WebServiceExternal xmlns="" protocol="soap">',
    "xslt": '<XSLT xmlns="">',
}


class _Planter:
    """Makes unique secret values and remembers where each one was planted."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self.planted: list[PlantedSecret] = []
        self._component = ("", "")

    def on(self, component_name: str, component_type: str) -> None:
        self._component = (component_name, component_type)

    def value(self, form: SecretForm) -> str:
        alphabet = string.ascii_lowercase + string.digits
        tail = "".join(self._rng.choice(alphabet) for _ in range(10))
        value = f"{PLANTED_PREFIX}{len(self.planted):04d}{tail[:4]}!{tail[4:]}"
        self.planted.append(PlantedSecret(value, form, *self._component))
        return value


@dataclass(frozen=True)
class _Content:
    body: str
    encrypted: tuple[EncryptedValue, ...] = ()


def _generic_forms(planter: _Planter, serial: int) -> tuple[str, tuple[EncryptedValue, ...]]:
    """One secret in each generic form; element names carry ``serial`` where a path needs it."""
    v = planter.value
    pem_key = v(SecretForm.PRIVATE_KEY)
    forms = (
        f"<password>{v(SecretForm.ELEMENT_TEXT)}</password>"
        f'<AuthSettings user="svc-corpus" password="{v(SecretForm.ATTRIBUTE)}"/>'
        f'<field id="apiKey" value="{v(SecretForm.FIELD_VALUE)}"/>'
        f'<field id="clientSecret">{v(SecretForm.FIELD_TEXT)}</field>'
        f'<property name="accessToken" type="static" value="{v(SecretForm.NAME_VALUE)}"/>'
        '<requestHeaders><header headerFieldName="Authorization" '
        f'headerValue="Bearer {v(SecretForm.AUTHORIZATION_HEADER)}"/></requestHeaders>'
        f"<EncryptedValue>{v(SecretForm.ENCRYPTED_VALUE)}</EncryptedValue>"
        f'<Vault{serial} combination="{v(SecretForm.ENCRYPTED_PATH)}"/>'
        f'<property name="smtpPassword" type="static" value="{v(SecretForm.COMPOUND_NAME)}"/>'
        f'<field id="db_secret">{v(SecretForm.COMPOUND_NAME)}</field>'
        '<property name="callbackEndpoint" type="static" '
        f'value="https://hook-user:{v(SecretForm.URL_CREDENTIALS)}@hooks.dev.example.com/in"/>'
        '<field id="dataSource">Server=sql-dev;Database=orders;User Id=etl;'
        f"Password={v(SecretForm.CONNECTION_STRING)};</field>"
        '<field id="signingMaterial">-----BEGIN PRIVATE KEY-----\n'
        f"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC{pem_key}\n-----END PRIVATE KEY-----</field>"
        f'<DefinedProcessProperty key="corpus-{serial}" label="Signing" type="password">'
        f"<defaultValue>{v(SecretForm.PASSWORD_PROPERTY)}</defaultValue></DefinedProcessProperty>"
    )
    declared = (EncryptedValue(f"//Vault{serial}/@combination", True),)
    return forms, declared


def _specific(component_type: str, planter: _Planter, serial: int) -> _Content:
    """What a type holds besides the generic forms: its own places for credentials."""
    v = planter.value
    if component_type == "tradingpartner":
        return _Content(
            "<CommunicationSettings>"
            f'<AS2SendSettings url="https://as2:{v(SecretForm.URL_CREDENTIALS)}'
            '@as2.partner-dev.example.com/as2">'
            f'<AuthSettings user="as2-corpus" password="{v(SecretForm.ATTRIBUTE)}"/>'
            "</AS2SendSettings>"
            f'<FTPSettings host="ftp.partner-dev.example.com" user="edi" '
            f'password="{v(SecretForm.ATTRIBUTE)}"/></CommunicationSettings>'
        )
    if component_type == "certificate":
        return _Content(
            "<certificateData>MIIC8DCCAdigAwIBAgIQpublicPart</certificateData>"
            f"<keyData>{v(SecretForm.ENCRYPTED_PATH)}</keyData>"
            f"<keyPassword>{v(SecretForm.COMPOUND_NAME)}</keyPassword>",
            encrypted=(EncryptedValue("//keyData/text()", True),),
        )
    if component_type == "certificate.pgp":
        return _Content(
            "<keyRing>-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
            f"lQOYBGVmZ2UBCAC{v(SecretForm.PGP_PRIVATE_KEY)}\n=Xy9Q\n"
            "-----END PGP PRIVATE KEY BLOCK-----</keyRing>"
            f"<passphrase>{v(SecretForm.ELEMENT_TEXT)}</passphrase>"
        )
    if component_type == "connector-action":
        return _Content(
            '<Configuration><HttpGetAction methodType="GET"><requestHeaders>'
            '<header headerFieldName="Proxy-Authorization" '
            f'headerValue="Basic {v(SecretForm.AUTHORIZATION_HEADER)}"/>'
            '<header headerFieldName="X-Api-Key" '
            f'headerValue="{v(SecretForm.AUTHORIZATION_HEADER)}"/>'
            "</requestHeaders></HttpGetAction></Configuration>"
        )
    if component_type in ("webservice", "tpcommoptions"):
        return _Content(
            '<OAuth2Settings grantType="client_credentials"><credentials clientId="corpus-app" '
            f'clientSecret="{v(SecretForm.OAUTH)}" accessToken="{v(SecretForm.OAUTH)}" '
            f'refreshToken="{v(SecretForm.OAUTH)}"/></OAuth2Settings>'
            '<OAuthSettings consumerKey="corpus-consumer" '
            f'consumerSecret="{v(SecretForm.OAUTH)}" tokenSecret="{v(SecretForm.OAUTH)}"/>'
        )
    if component_type == "webservice.external":
        return _Content(
            '<Security><UsernameToken username="soap-corpus" '
            f'password="{v(SecretForm.ATTRIBUTE)}"/></Security>'
        )
    if component_type == "queue":
        return _Content(
            f"<brokerUrl>amqp://mq-corpus:{v(SecretForm.URL_CREDENTIALS)}"
            "@broker.dev.example.com:5672/orders</brokerUrl>"
        )
    if component_type == "flowservice":
        return _Content(
            f'<authentication type="basic" basicAuthPassword="{v(SecretForm.COMPOUND_NAME)}"/>'
        )
    if component_type == "processproperty":
        return _Content(
            f'<DefinedProcessProperty key="declared-{serial}" label="Webhook" type="password">'
            f"<defaultValue>{v(SecretForm.ENCRYPTED_PATH)}</defaultValue>"
            "</DefinedProcessProperty>",
            encrypted=(
                EncryptedValue(
                    f"//DefinedProcessProperty[@key='declared-{serial}']/defaultValue/text()", True
                ),
            ),
        )
    return _Content("")


class _CorpusWriter:
    def __init__(self, state: EmulatorState, account_id: str, folder: str) -> None:
        self.state = state
        self.account_id = account_id
        self.folder = folder
        self.seeder = Seeder(state)
        self.planter = _Planter(seed=7)
        self.written: dict[str, str] = {}
        """Component id → type, of the promotable components written."""

    def write(
        self,
        name: str,
        component_type: str,
        inner: str = "",
        *,
        sub_type: str = "",
        encrypted: tuple[EncryptedValue, ...] = (),
        overrides: str = "",
        account_id: str | None = None,
        folder: str | None = None,
    ) -> str:
        account = account_id or self.account_id
        document = ComponentDocument(
            component_id="",
            name=name,
            type=component_type,
            sub_type=sub_type,
            folder_id=self.seeder.folder(account, folder or f"{self.folder}/{component_type}"),
            branch_id="",
            description=f"{name} ({component_type})",
            encrypted_values=encrypted,
            object_xml=inner,
            process_overrides_xml=(
                f'<bns:processOverrides xmlns:bns="{BNS}">{overrides}</bns:processOverrides>'
                if component_type == "process"
                else ""
            ),
        )
        view = self.state.apply_write(
            account,
            document,
            path_component_id=None,
            path_branch_id=None,
            user="corpus.developer@example.com",
            at=CORPUS_AT,
        )
        component_id = view.revision.component_id
        if account == self.account_id and component_type != CONNECTION_TYPE:
            self.written[component_id] = component_type
        return component_id

    def promotable(
        self, name: str, component_type: str, extra: str = "", *, references: str = ""
    ) -> str:
        """A component of ``component_type`` with every generic form and its own ones."""
        self.planter.on(name, component_type)
        serial = len(self.written) + 1
        generic, declared = _generic_forms(self.planter, serial)
        specific = _specific(component_type, self.planter, serial)
        opening = _ROOT_ELEMENTS[component_type]
        closing = "</" + opening[1:].split(" ", 1)[0].rstrip(">") + ">"
        inner = f"{opening}{generic}{specific.body}{extra}{references}{closing}"
        return self.write(
            name,
            component_type,
            inner,
            encrypted=declared + specific.encrypted,
        )


def _dev_connections(writer: _CorpusWriter) -> tuple[CorpusConnection, ...]:
    planter, v = writer.planter, writer.planter.value
    prod = writer.state.primary_account_id
    made: list[CorpusConnection] = []
    planter.on("Corpus HTTP", CONNECTION_TYPE)
    http = (
        f'<HttpSettings xmlns="" authenticationType="OAUTH2" '
        f'url="https://api-user:{v(SecretForm.URL_CREDENTIALS)}@api.dev.example.com/v1">'
        f'<AuthSettings user="corpus-api" password="{v(SecretForm.ATTRIBUTE)}"/>'
        f'<OAuth2Settings grantType="code"><credentials clientId="corpus-client" '
        f'clientSecret="{v(SecretForm.OAUTH)}" accessToken="{v(SecretForm.OAUTH)}"/>'
        '<accessTokenEndpoint url="https://login.dev.example.com/token"/></OAuth2Settings>'
        f'<SSLOptions clientauth="true" keystorePassword="{v(SecretForm.ATTRIBUTE)}"/>'
        "</HttpSettings>"
    )
    planter.on("Corpus Database", CONNECTION_TYPE)
    database = (
        '<GenericConnectorConfig xmlns=""><field id="host">db.dev.example.com</field>'
        '<field id="username">corpus_etl</field><field id="password"><EncryptedValue>'
        f"{v(SecretForm.ENCRYPTED_VALUE)}</EncryptedValue></field>"
        f'<field id="jdbcUrl">jdbc:postgresql://db.dev.example.com/corpus?password='
        f"{v(SecretForm.CONNECTION_STRING)}</field></GenericConnectorConfig>"
    )
    for name, dev_content, sub_type, encrypted in (
        ("Corpus HTTP", http, "http", ()),
        (
            "Corpus Database",
            database,
            "db",
            (
                EncryptedValue(
                    "//GenericConnectorConfig/field[@id='password']/EncryptedValue", True
                ),
            ),
        ),
    ):
        dev_id = writer.write(
            name, CONNECTION_TYPE, dev_content, sub_type=sub_type, encrypted=encrypted
        )
        prod_content = (
            '<HttpSettings xmlns="" url="https://api.example.com/v1">'
            '<AuthSettings user="corpus-api" password="prod-only-value-1"/></HttpSettings>'
        )
        prod_id = writer.write(
            name,
            CONNECTION_TYPE,
            prod_content,
            sub_type=sub_type,
            account_id=prod,
            folder="#Connections",
        )
        made.append(CorpusConnection(dev_id, prod_id, name))
    return tuple(made)


def add_secret_corpus_account(state: EmulatorState, *, name: str = "Secret Corpus") -> SecretCorpus:
    """Add the corpus dev account (``secretcorpus-SEC00n``) and its packaged tree."""
    compact = "".join(ch for ch in name if ch.isalnum())
    account_id = f"{compact.lower()}-SEC{len(state.accounts):03d}"
    state.add_account(account_id, name, parent_account_id=state.primary_account_id, at=CORPUS_AT)
    writer = _CorpusWriter(state, account_id, compact)
    http, database = _dev_connections(writer)
    leaf_types = sorted(PROMOTABLE_TYPES - {"process", "processroute", "connector-action"})
    ids = {t: writer.promotable(f"Corpus {t}", t) for t in leaf_types}
    operation = writer.promotable("Corpus Operation", "connector-action")
    subprocess_canvas = (
        Canvas()
        .add("start", "", "<passthroughaction/>")
        .add("returndocuments", "Done", '<returndocuments label="Done"/>')
        .xml()
    )
    # The sub-process's shapes come after the planted forms inside its <process>.
    shapes = subprocess_canvas.split(">", 1)[1].rsplit("</process>", 1)[0]
    subprocess = writer.promotable("Corpus Sub-process", "process", references=shapes)
    route = writer.promotable(
        "Corpus Route",
        "processroute",
        references=f'<routes><route processId="{subprocess}"/></routes>',
    )
    root = _root_process(writer, ids, operation, subprocess, route, http, database)
    package_id = writer.state.add_package(
        account_id,
        {
            "componentId": root,
            "packageVersion": PACKAGE_VERSION,
            "notes": f"{name} {PACKAGE_VERSION}",
            "shareable": True,
        },
        user="corpus.developer@example.com",
        at=CORPUS_AT,
    ).package_id
    return SecretCorpus(
        account_id=account_id,
        name=name,
        primary_account_id=state.primary_account_id,
        package_id=package_id,
        process_id=root,
        connections=(http, database),
        promotable_types=frozenset(writer.written.values()),
        component_count=len(writer.written),
        secrets=tuple(writer.planter.planted),
    )


def _root_process(
    writer: _CorpusWriter,
    leaves: dict[str, str],
    operation: str,
    subprocess: str,
    route: str,
    http: CorpusConnection,
    database: CorpusConnection,
) -> str:
    """The root: a shape for every other component, overrides with secrets of their own."""
    name = "Corpus Flow"
    writer.planter.on(name, "process")
    v = writer.planter.value
    canvas = (
        Canvas()
        .add("start", "Read", connector_action(http.dev_component_id, operation, "http", "Get"))
        .add(
            "connectoraction",
            "Query",
            connector_action(database.dev_component_id, operation, "db", "Get"),
        )
        .add("processcall", "Sub", f'<processcall processId="{subprocess}" wait="true"/>')
        .add("processroute", "Route", f'<processroute processRouteId="{route}"/>')
        .add(
            "setproperties",
            "Credentials",
            '<setproperties><properties><property name="mailPassword" type="static" '
            f'value="{v(SecretForm.COMPOUND_NAME)}"/><property name="partnerToken" '
            f'type="static" value="{v(SecretForm.COMPOUND_NAME)}"/></properties></setproperties>',
        )
    )
    for component_type, component_id in leaves.items():
        canvas.add("component", component_type, f'<uses component="{component_id}"/>')
    shapes = canvas.add("stop", "", '<stop continue="true"/>').xml()
    overrides = (
        '<Overrides xmlns=""><Connections>'
        f'<ConnectionOverride id="{http.dev_component_id}">'
        f'<field id="password" value="{v(SecretForm.PROCESS_OVERRIDE)}"/>'
        f'<field id="url" value="https://ovr:{v(SecretForm.URL_CREDENTIALS)}@o.example.com"/>'
        "</ConnectionOverride></Connections><Properties>"
        f'<PropertyOverride name="webhookToken" value="{v(SecretForm.PROCESS_OVERRIDE)}"/>'
        "</Properties></Overrides>"
    )
    # The planted forms lead the root's <process>, the canvas's shapes follow.
    writer.planter.on(name, "process")
    generic, declared = _generic_forms(writer.planter, len(writer.written) + 1)
    opening, rest = shapes.split(">", 1)
    return writer.write(
        name,
        "process",
        f"{opening}>{generic}{rest}",
        encrypted=declared,
        overrides=overrides,
    )
