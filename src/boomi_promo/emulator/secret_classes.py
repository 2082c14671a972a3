"""Secrets by class of input: the forms issue 14's attacker planted, and more, in one catalogue.

:data:`SECRET_FORMS` lists every form — a place a Boomi component can carry a credential — with
what the product must do with it: *strip* it (empty it, or drop the comment it stands in) or
*block* the promotion (``SECRETS_DETECTED``: it stands in code, a description, a name or a
longer text, or only looks like a secret). Each form renders as an XML fragment around a
*marker* value (or as a component description) and, where it makes sense, both as an
attribute and as element text, so tests can place it at any depth
(``tests/unit/domain/test_secret_classes.py``). The classes:

* ``name`` — attributes and elements named by abbreviations and synonyms (``pwd``, ``passcode``,
  ``hmacKey``, ``apiKeyValue``, ``clientCertificate`` …);
* ``key-value`` — generic structures whose key names a credential (``<entry key=…>``,
  ``<property><name/><value/>``, ``<ConnectionProperty key=…>``, process property labels,
  Set Properties, cross-reference columns, ``<password value=…/>``);
* ``value`` — values that are credentials whatever they are called (URL userinfo and query
  parameters, connection strings, Authorization values, private keys, cloud keys, service
  tokens, JWTs);
* ``markup`` — XML comments and processing instructions;
* ``code``, ``description``, ``embedded``, ``likely`` — what blocks.

:data:`FALSE_POSITIVES` are values and names that look like secrets to a careless rule and must
come through unchanged (GUIDs, hashes, ``keyField``, map function names, public keys …).

:func:`add_secret_class_account` plants the whole catalogue in a dev sub-account for an
end-to-end test: one packaged process whose tree holds every *stripped* form (grouped per
component type), and one whose tree holds every *blocked* form (one component per form), so
each finding can be told apart.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from xml.sax.saxutils import escape, quoteattr

from boomi_promo.domain.component_types import CONNECTION_TYPE
from boomi_promo.domain.secret_values import ValueKind
from boomi_promo.emulator.component_xml import BNS, ComponentDocument
from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.content import Canvas
from boomi_promo.emulator.state.world import EmulatorState

CLASS_CORPUS_AT = datetime(2025, 8, 1, 9, 0, tzinfo=UTC)
MARKER_PREFIX = "cnry"


class Outcome(StrEnum):
    STRIPPED = "stripped"
    """Emptied (or dropped with its comment): the promotion goes ahead without it."""
    BLOCKED = "blocked"
    """Left where it is: the promotion is refused with SECRETS_DETECTED."""


class Marker(StrEnum):
    """The alphabet a form's marker must have to look like the credential it stands for."""

    PLAIN = "plain"
    TOKEN = "token"  # noqa: S105 - an alphabet's name, not a credential
    AWS = "aws"
    RANDOM = "random"
    COMPLEX = "complex"


@dataclass(frozen=True)
class SecretForm:
    key: str
    family: str
    component_type: str
    outcome: Outcome
    attribute: str = ""
    """Fragment with the value in an attribute (``{v}``: the value, escaped for it)."""
    text: str = ""
    """Fragment with the value in element text (``{v}``)."""
    value: Callable[[str], str] = field(default=lambda marker: marker)
    """The credential made of the marker (a URL around it, a key block …)."""
    marker: Marker = Marker.PLAIN
    kinds: frozenset[ValueKind] = frozenset()
    """For a blocked form: the kinds a finding may report (one of them is enough)."""
    in_description: bool = False
    """Planted as the component's ``<bns:description>`` instead of inside its content."""

    @property
    def placements(self) -> tuple[bool, ...]:
        """``True``: as an attribute; ``False``: as element text (a description: text)."""
        found = tuple(p for p, t in ((True, self.attribute), (False, self.text)) if t)
        return found or (False,)

    def fragment(self, marker: str, *, as_attribute: bool) -> str:
        template = self.attribute if as_attribute else self.text
        value = self.value(marker)
        rendered = quoteattr(value)[1:-1] if as_attribute else escape(value)
        return template.replace("{v}", rendered)

    def description(self, marker: str) -> str:
        return self.value(marker) if self.in_description else ""


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _jwt(marker: str) -> str:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256"}).encode()).decode().rstrip("=")
    claims = {"sub": "corpus-service", "iat": 1735689600}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{payload}.{marker}"


def _pem(kind: str, marker: str) -> str:
    return f"-----BEGIN {kind}-----\nMIIEvQIBADANBgkqhkiG9w0B{marker}\n-----END {kind}-----"


def _name(name: str, component_type: str) -> SecretForm:
    return SecretForm(
        key=f"name:{name}",
        family="name",
        component_type=component_type,
        outcome=Outcome.STRIPPED,
        attribute=f'<Settings {name}="{{v}}"/>',
        text=f"<{name}>{{v}}</{name}>",
    )


def _value(
    key: str, component_type: str, value: Callable[[str], str], marker: Marker = Marker.PLAIN
) -> SecretForm:
    return SecretForm(
        key=f"value:{key}",
        family="value",
        component_type=component_type,
        outcome=Outcome.STRIPPED,
        attribute='<Target address="{v}"/>',
        text="<reference>{v}</reference>",
        value=value,
        marker=marker,
    )


def _keyed(
    key: str,
    component_type: str,
    fragment: str,
    value: Callable[[str], str] | None = None,
    marker: Marker = Marker.PLAIN,
) -> SecretForm:
    return SecretForm(
        key=f"key-value:{key}",
        family="key-value",
        component_type=component_type,
        outcome=Outcome.STRIPPED,
        text=fragment,
        value=value or (lambda m: m),
        marker=marker,
    )


def _blocked(
    key: str,
    family: str,
    component_type: str,
    fragment: str,
    kinds: set[ValueKind],
    value: Callable[[str], str] | None = None,
    marker: Marker = Marker.PLAIN,
    in_description: bool = False,
) -> SecretForm:
    return SecretForm(
        key=f"{family}:{key}",
        family=family,
        component_type=component_type,
        outcome=Outcome.BLOCKED,
        text=fragment,
        value=value or (lambda m: m),
        marker=marker,
        kinds=frozenset(kinds),
        in_description=in_description,
    )


NAME_FORMS = tuple(
    _name(name, component_type)
    for name, component_type in (
        ("pass", "connector-settings"),
        ("pwd", "connector-action"),
        ("passcode", "tradingpartner"),
        ("passphrase", "certificate.pgp"),
        ("credentials", "webservice"),
        ("secretAccessKey", "connector-action"),
        ("hmacKey", "webservice"),
        ("sasKey", "connector-action"),
        ("signingKey", "tpcommoptions"),
        ("encryptionKey", "tradingpartner"),
        ("clientCertificate", "webservice.external"),
        ("apiKeyValue", "connector-action"),
        ("db_pass", "processproperty"),
        ("PASSWORD", "connector-settings"),
        ("x-api-key", "connector-action"),
        ("subscriptionKey", "flowservice"),
        ("sessionToken", "process"),
        ("refresh_token", "webservice"),
        ("keyStore", "certificate"),
        ("sshKey", "tpcommoptions"),
        ("accountKey", "queue"),
        ("webhookSecret", "process"),
        ("authKey", "connector-action"),
        ("privateKeyPem", "certificate"),
        ("masterKey", "documentcache"),
        ("id_token", "webservice"),
        ("smtpPwd", "connector-action"),
        ("Cookie", "connector-action"),
    )
)

KEY_VALUE_FORMS = (
    _keyed(
        "entry key=jdbc.password",
        "connector-settings",
        '<entries><entry key="jdbc.password">{v}</entry></entries>',
    ),
    _keyed(
        "property name/value children",
        "connector-action",
        "<property><name>Authorization</name><value>{v}</value></property>",
        value=lambda m: f"Token {m}",
        marker=Marker.TOKEN,
    ),
    _keyed(
        "ConnectionProperty key value=",
        "connector-settings",
        '<ConnectionProperty key="x-api-key" value="{v}"/>',
    ),
    _keyed(
        "ConnectionProperty key text",
        "connector-settings",
        '<ConnectionProperty key="db.pwd">{v}</ConnectionProperty>',
    ),
    _keyed(
        "properties key=Authorization",
        "connector-action",
        '<properties key="Authorization" value="{v}"/>',
        value=lambda m: f"Basic {m}",
    ),
    _keyed("param name=client_secret", "webservice", '<param name="client_secret" value="{v}"/>'),
    _keyed(
        "header text", "connector-action", '<header headerFieldName="X-Auth-Token">{v}</header>'
    ),
    _keyed(
        "item key/value children",
        "transform.map",
        "<item><key>aws.secretAccessKey</key><value>{v}</value></item>",
    ),
    _keyed(
        "process property label",
        "processproperty",
        '<definedProcessProperty key="pp-1"><label>API Key</label><type>string</type>'
        "<defaultValue>{v}</defaultValue></definedProcessProperty>",
    ),
    _keyed(
        "process property key default",
        "processproperty",
        '<DefinedProcessProperty key="smtp.password" label="SMTP" defaultValue="{v}"/>',
    ),
    _keyed(
        "set properties static value",
        "process",
        '<documentproperty name="Dynamic Document Property - apiKey" persist="false">'
        '<sourcevalues><parametervalue key="1" valueType="static">'
        '<staticparameter staticproperty="{v}"/></parametervalue></sourcevalues>'
        "</documentproperty>",
    ),
    _keyed(
        "cross-reference column",
        "crossref",
        '<CrossRefTable matchType="exact"><headers><header ref="c1" name="Partner"/>'
        '<header ref="c2" name="Password"/></headers><rows><row><col ref="c1">acme</col>'
        '<col ref="c2">{v}</col></row></rows></CrossRefTable>',
    ),
    _keyed("password element value=", "connector-settings", '<password value="{v}"/>'),
    _keyed("apiToken element value=", "connector-action", '<apiToken type="string" value="{v}"/>'),
    _keyed(
        "setting name/value child",
        "connector-action",
        '<setting name="Ocp-Apim-Subscription-Key"><value>{v}</value></setting>',
    ),
    _keyed(
        "set properties sasToken",
        "process",
        '<property name="sasToken" type="static" value="{v}"/>',
    ),
    _keyed("map entry signing.key", "transform.map", '<mapEntry key="signing.key">{v}</mapEntry>'),
)

VALUE_FORMS = (
    _value("url userinfo", "connector-action", lambda m: f"https://svc:{m}@api.dev.example.com/v1"),
    _value(
        "url access_token",
        "connector-action",
        lambda m: f"https://api.dev.example.com/v1/orders?access_token={m}",
    ),
    _value(
        "url api_key",
        "webservice",
        lambda m: f"https://api.dev.example.com/v1?format=json&api_key={m}",
    ),
    _value(
        "azure sas sig",
        "connector-action",
        lambda m: f"https://corpus.blob.core.windows.net/in?sv=2022-11-02&sr=c&sp=rl&sig={m}",
    ),
    _value(
        "aws presigned",
        "process",
        lambda m: (
            "https://corpus.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Signature={m}"
        ),
    ),
    _value(
        "jdbc query password",
        "processproperty",
        lambda m: f"jdbc:postgresql://db.dev.example.com/orders?user=etl&password={m}",
    ),
    _value(
        "jdbc semicolon password",
        "connector-settings",
        lambda m: f"jdbc:sqlserver://db.dev.example.com:1433;databaseName=orders;password={m}",
    ),
    _value(
        "ado connection string",
        "connector-action",
        lambda m: f"Server=sql-dev;Database=orders;User Id=etl;Password={m};",
    ),
    _value(
        "azure storage AccountKey",
        "process",
        lambda m: (
            "DefaultEndpointsProtocol=https;AccountName=corpus;"
            f"AccountKey={m};EndpointSuffix=core.windows.net"
        ),
    ),
    _value(
        "service bus SharedAccessKey",
        "connector-action",
        lambda m: (
            "Endpoint=sb://corpus.servicebus.windows.net/;SharedAccessKeyName=Root;"
            f"SharedAccessKey={m}"
        ),
    ),
    _value("bearer", "connector-action", lambda m: f"Bearer {m}", Marker.TOKEN),
    _value("basic", "webservice", lambda m: f"Basic {_b64('svc-corpus:' + m)}"),
    _value(
        "authorization header line", "process", lambda m: f"Authorization: Token {m}", Marker.TOKEN
    ),
    _value("rsa private key", "certificate", lambda m: _pem("RSA PRIVATE KEY", m), Marker.TOKEN),
    _value(
        "openssh private key",
        "tpcommoptions",
        lambda m: _pem("OPENSSH PRIVATE KEY", m),
        Marker.TOKEN,
    ),
    _value("ec private key", "tradingpartner", lambda m: _pem("EC PRIVATE KEY", m), Marker.TOKEN),
    _value(
        "encrypted private key",
        "webservice",
        lambda m: _pem("ENCRYPTED PRIVATE KEY", m),
        Marker.TOKEN,
    ),
    _value(
        "pgp private key",
        "certificate.pgp",
        lambda m: _pem("PGP PRIVATE KEY BLOCK", m),
        Marker.TOKEN,
    ),
    _value(
        "putty key",
        "tpcommoptions",
        lambda m: f"PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nPrivate-Lines: 1\n{m}",
        Marker.TOKEN,
    ),
    _value("aws access key id", "connector-action", lambda m: f"AKIA{m}", Marker.AWS),
    _value("jwt", "webservice", _jwt, Marker.TOKEN),
    _value("github token", "process", lambda m: f"ghp_{m}{'x' * (36 - len(m))}", Marker.TOKEN),
    _value("slack token", "connector-action", lambda m: f"xoxb-123456789012-{m}", Marker.TOKEN),
    _value("stripe key", "webservice", lambda m: f"sk_live_{m}{'q' * (24 - len(m))}", Marker.TOKEN),
    _value(
        "google api key",
        "connector-action",
        lambda m: f"AIza{m}{'Z' * (35 - len(m))}",
        Marker.TOKEN,
    ),
    _value(
        "sendgrid key",
        "connector-action",
        lambda m: f"SG.{m}{'a' * (22 - len(m))}.{'B' * 43}",
        Marker.TOKEN,
    ),
    _value("gitlab token", "process", lambda m: f"glpat-{m}{'c' * (20 - len(m))}", Marker.TOKEN),
    _value(
        "slack webhook url",
        "process",
        lambda m: f"https://hooks.slack.com/services/T0CORPUS1/B0CORPUS2/{m}",
        Marker.TOKEN,
    ),
)

MARKUP_FORMS = (
    SecretForm(
        key="markup:comment",
        family="markup",
        component_type="process",
        outcome=Outcome.STRIPPED,
        text="<!-- old password: {v} -->",
    ),
    SecretForm(
        key="markup:processing instruction",
        family="markup",
        component_type="transform.map",
        outcome=Outcome.STRIPPED,
        text="<?credentials user=svc password={v}?>",
    ),
)

_ASSIGNMENT = {ValueKind.SECRET_ASSIGNMENT}
_URL = {ValueKind.URL_CREDENTIALS}

BLOCKED_FORMS = (
    _blocked(
        "groovy password literal",
        "code",
        "script.processing",
        '<script><![CDATA[def password = "{v}"\n]]></script>',
        _ASSIGNMENT,
    ),
    _blocked(
        "javascript apiKey literal",
        "code",
        "script.mapping",
        "<script><![CDATA[var apiKey = '{v}';\n]]></script>",
        _ASSIGNMENT,
    ),
    _blocked(
        "groovy Authorization header",
        "code",
        "script.processing",
        '<script><![CDATA[props.setProperty("Authorization", "Bearer {v}")\n]]></script>',
        {ValueKind.AUTHORIZATION, ValueKind.SECRET_ASSIGNMENT},
        marker=Marker.TOKEN,
    ),
    _blocked(
        "groovy url with password",
        "code",
        "script.processing",
        '<script><![CDATA[def url = "https://svc:{v}@api.dev.example.com/x"\n]]></script>',
        _URL,
    ),
    _blocked(
        "javascript object secret",
        "code",
        "script.mapping",
        '<script><![CDATA[var cfg = { "client_secret": "{v}" };\n]]></script>',
        _ASSIGNMENT,
    ),
    _blocked(
        "process shape inline script",
        "code",
        "process",
        '<dataprocessscript language="groovy2"><script><![CDATA[\nString token = "{v}"\n]]>'
        "</script></dataprocessscript>",
        _ASSIGNMENT,
    ),
    _blocked(
        "map function inline script",
        "code",
        "transform.map",
        '<function id="F9" type="Scripting"><configuration><scripting language="javascript">'
        '<script><![CDATA[var hmacKey = "{v}";]]></script></scripting></configuration>'
        "</function>",
        _ASSIGNMENT,
    ),
    _blocked(
        "groovy private key literal",
        "code",
        "script.processing",
        '<script><![CDATA[def key = """-----BEGIN PRIVATE KEY-----\n{v}\n'
        '-----END PRIVATE KEY-----"""\n]]></script>',
        {ValueKind.PRIVATE_KEY},
        marker=Marker.TOKEN,
    ),
    _blocked(
        "groovy aws key literal",
        "code",
        "script.processing",
        '<script><![CDATA[def keyId = "AKIA{v}"\n]]></script>',
        {ValueKind.CLOUD_KEY},
        marker=Marker.AWS,
    ),
    _blocked(
        "url with password",
        "description",
        "process",
        "",
        _URL,
        value=lambda m: f"Calls https://svc:{m}@api.dev.example.com nightly",
        in_description=True,
    ),
    _blocked(
        "password in words",
        "description",
        "connector-action",
        "",
        _ASSIGNMENT,
        value=lambda m: f"Test login password: {m} (rotate monthly)",
        marker=Marker.COMPLEX,
        in_description=True,
    ),
    _blocked(
        "connection string",
        "description",
        "transform.map",
        "",
        {ValueKind.CONNECTION_STRING},
        value=lambda m: f"Reporting DB: Server=sql-dev;Password={m};",
        in_description=True,
    ),
    _blocked(
        "shape userlabel jwt",
        "description",
        "process",
        '<shape name="shape9" shapetype="message" userlabel="{v}"/>',
        {ValueKind.JWT},
        value=lambda m: f"Token {_jwt(m)}",
        marker=Marker.TOKEN,
    ),
    _blocked(
        "notes element aws key",
        "description",
        "connector-action",
        "<notes>Rotate {v} monthly</notes>",
        {ValueKind.CLOUD_KEY},
        value=lambda m: f"AKIA{m}",
        marker=Marker.AWS,
    ),
    _blocked(
        "message with url",
        "embedded",
        "process",
        "<message>Post to {v} when done</message>",
        _URL,
        value=lambda m: f"https://svc:{m}@hooks.dev.example.com/in",
    ),
    _blocked(
        "path element with api_key",
        "embedded",
        "connector-action",
        '<pathElements><element key="1" name="{v}"/></pathElements>',
        _URL,
        value=lambda m: f"/v1/items?api_key={m}",
    ),
    _blocked(
        "authorization in a sentence",
        "embedded",
        "process",
        "<message>Send Authorization: Bearer {v} upstream</message>",
        {ValueKind.AUTHORIZATION},
        marker=Marker.TOKEN,
    ),
    _blocked(
        "password in free text",
        "embedded",
        "tradingpartner",
        "<contactInfo>Portal login password: {v} ask ops</contactInfo>",
        _ASSIGNMENT,
        marker=Marker.COMPLEX,
    ),
    _blocked(
        "random string",
        "likely",
        "connector-action",
        '<option value="{v}"/>',
        {ValueKind.HIGH_ENTROPY},
        marker=Marker.RANDOM,
    ),
    _blocked(
        "random string in text",
        "likely",
        "profile.json",
        "<sample>{v}</sample>",
        {ValueKind.HIGH_ENTROPY},
        marker=Marker.RANDOM,
    ),
)

SECRET_FORMS: tuple[SecretForm, ...] = (
    *NAME_FORMS,
    *KEY_VALUE_FORMS,
    *VALUE_FORMS,
    *MARKUP_FORMS,
    *BLOCKED_FORMS,
)


@dataclass(frozen=True)
class FalsePositive:
    key: str
    attribute: str
    """Fragment in attribute form; empty when the form is element text only."""
    text: str

    @property
    def placements(self) -> tuple[bool, ...]:
        return tuple(p for p, t in ((True, self.attribute), (False, self.text)) if t)

    def fragment(self, *, as_attribute: bool) -> str:
        return self.attribute if as_attribute else self.text


def _fp(key: str, name: str, value: str) -> FalsePositive:
    return FalsePositive(
        key, f"<Option {name}={quoteattr(value)}/>", f"<{name}>{escape(value)}</{name}>"
    )


FALSE_POSITIVES = (
    _fp("guid reference", "component", "7d1f0a52-3c4b-4e6f-9a10-112233445501"),
    _fp(
        "sha256 hash",
        "checksum",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    ),
    _fp("sha1 hash", "hash", "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"),
    _fp("md5 hash", "etag", "d41d8cd98f00b204e9800998ecf8427e"),
    _fp("keyField", "keyField", "customerId"),
    _fp("keyFields", "keyFields", "ORDER_ID,LINE_NO"),
    _fp("passthrough", "passthrough", "true"),
    _fp("tokenizer", "tokenizer", "whitespace"),
    _fp("bypass", "bypass", "false"),
    _fp("primaryKey", "primaryKey", "ORDER_ID"),
    _fp("sortKey", "sortKey", "createdDate"),
    _fp("hashKey", "hashKey", "tenantId"),
    _fp("tokenType", "tokenType", "Bearer"),
    _fp("authType", "authType", "basic"),
    _fp("secretName", "secretName", "prod/orders/db"),
    _fp("passwordField", "passwordField", "pwd"),
    _fp("allowDynamicCredentials", "allowDynamicCredentials", "NONE"),
    _fp("nextPageToken", "nextPageToken", "$response.next"),
    _fp("accessKeyId alone", "accessKeyId", "reporting-user"),
    _fp("plain url", "url-template", "https://api.example.com/v1/orders?page=2&limit=50"),
    _fp(
        "connection string without secret",
        "dsn",
        "Server=db;Database=orders;Trusted_Connection=True;",
    ),
    _fp("connection string with placeholder", "dsn", "Server=db;Password=${db.password};"),
    _fp("url with placeholder password", "address", "https://svc:{password}@api.example.com"),
    _fp("query with placeholder", "query", "https://api.example.com/v1?api_key=%API_KEY%"),
    _fp("basic in words", "note", "Basic Information about the token refresh"),
    _fp("sentence with password", "userText", "Fetch password resets from the ledger"),
    _fp("folder path", "folder", "DevTeamA/Orders/Subprocesses"),
    _fp("identifier", "format", "ProfileCharacterFormat1"),
    _fp("base64 folder id", "folderId", "RjoyMjIyMg"),
    _fp("date", "modified", "2025-03-02T08:15:00Z"),
    _fp(
        "public key",
        "verificationKeyPem",
        "-----BEGIN PUBLIC KEY-----\n"
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
        "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n"
        "-----END PUBLIC KEY-----",
    ),
    _fp(
        "certificate",
        "certificateData",
        "-----BEGIN CERTIFICATE-----\n"
        "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n"
        "RTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRydXN0MSIwIAYD\n"
        "-----END CERTIFICATE-----",
    ),
    FalsePositive(
        "profile element named password",
        "",
        '<JSONObjectEntry dataType="character" key="3" name="password">'
        "<DataFormat><ProfileCharacterFormat/></DataFormat></JSONObjectEntry>",
    ),
    FalsePositive(
        "profile element named keyField",
        "",
        '<XMLElement dataType="character" key="4" name="keyField"/>',
    ),
    FalsePositive(
        "profile element named token",
        "",
        '<XMLElement dataType="character" key="5" name="token" maxOccurs="1"/>',
    ),
    FalsePositive(
        "map function hashPassword",
        "",
        '<function id="F1" type="Scripting" name="hashPassword"><inputs>'
        '<input key="1" name="password"/></inputs><outputs><output key="1" name="hash"/>'
        '</outputs><configuration><parameter name="rounds" value="12"/></configuration>'
        "</function>",
    ),
    FalsePositive(
        "map function Encrypt Password",
        "",
        '<function id="F2" type="UserDefined" name="Encrypt Password">'
        '<configuration><step name="getAuthToken" order="1"/></configuration></function>',
    ),
    FalsePositive(
        "map mapping of a password field",
        "",
        '<mapping sourceElement="4" sourceElementName="Root/password" destElement="9"'
        ' destElementName="Row/secret"/>',
    ),
    FalsePositive(
        "script reading a property",
        "",
        "<script><![CDATA[def password = ExecutionUtil.getDynamicProcessProperty("
        '"vaultPath")\nString token = props.getProperty("token")\n]]></script>',
    ),
    FalsePositive(
        "script assigning an empty secret",
        "",
        '<script><![CDATA[var apiKey = "";\nvar secretName = "prod/db";\n]]></script>',
    ),
    FalsePositive(
        "shape label mentioning a token",
        "",
        '<shape name="shape2" shapetype="message" userlabel="Refresh token upstream"/>',
    ),
    FalsePositive(
        "cross-reference table of codes",
        "",
        '<CrossRefTable matchType="exact"><headers><header ref="c1" name="Region"/>'
        '<header ref="c2" name="Key Field"/></headers><rows><row><col ref="c1">north'
        '</col><col ref="c2">WH-OSLO</col></row></rows></CrossRefTable>',
    ),
    FalsePositive(
        "process property without a secret name",
        "",
        '<definedProcessProperty key="pp-2"><label>Batch size</label><type>number</type>'
        "<defaultValue>500</defaultValue></definedProcessProperty>",
    ),
)
"""Names and values that must come through stripping unchanged and block nothing."""


# ------------------------------------------------------------------ markers


class MarkerFactory:
    """Unique marker values, each in the alphabet its form needs."""

    def __init__(self, seed: int = 14) -> None:
        self._rng = random.Random(seed)
        self.serial = 0

    def make(self, style: Marker) -> str:
        self.serial += 1
        return marker_for(style, self.serial, self._rng)


def marker_for(style: Marker, serial: int, rng: random.Random) -> str:
    """A marker: unique by ``serial``, never a part of another marker of the same style."""
    lower, upper, digits = string.ascii_lowercase, string.ascii_uppercase, string.digits
    if style is Marker.AWS:
        return f"C{serial:05d}" + "".join(rng.choice(upper + digits) for _ in range(10))
    if style is Marker.RANDOM:
        chars = rng.sample(digits, 4) + rng.sample(upper, 14) + rng.sample(lower, 14)
        rng.shuffle(chars)
        return "".join(chars)
    if style is Marker.TOKEN:
        tail = "".join(rng.choice(lower + upper + digits) for _ in range(10))
        return f"{MARKER_PREFIX}{serial:05d}{tail}"
    if style is Marker.COMPLEX:
        tail = "".join(rng.choice(lower + digits) for _ in range(6))
        return f"Cnry{serial:05d}{tail}!Q"
    tail = "".join(rng.choice(lower + digits) for _ in range(8))
    return f"{MARKER_PREFIX}{serial:05d}{tail[:4]}!{tail[4:]}"


# ------------------------------------------------------------------ the dev account


@dataclass(frozen=True)
class PlantedForm:
    form: SecretForm
    marker: str
    component_id: str
    component_name: str


@dataclass(frozen=True)
class SecretClassCorpus:
    account_id: str
    name: str
    primary_account_id: str
    stripped_package_id: str
    """The tree of every stripped form: promotes, and nothing of them reaches the primary."""
    stripped_process_id: str
    blocked_package_id: str
    """The tree of every blocked form: refused with SECRETS_DETECTED."""
    blocked_process_id: str
    connection: tuple[str, str]
    """(dev connection id, its shared prod twin) of the stripped tree."""
    planted: tuple[PlantedForm, ...]

    def markers(self, outcome: Outcome | None = None) -> list[str]:
        return [p.marker for p in self.planted if outcome in (None, p.form.outcome)]


_ROOTS = {
    "certificate": ('<Certificate xmlns="" type="x509">', "</Certificate>"),
    "certificate.pgp": ('<Certificate xmlns="" type="pgp">', "</Certificate>"),
    "connector-action": ('<Operation xmlns="">', "</Operation>"),
    "connector-settings": ('<GenericConnectorConfig xmlns="">', "</GenericConnectorConfig>"),
    "crossref": ('<CrossRefTables xmlns="">', "</CrossRefTables>"),
    "documentcache": ('<DocumentCache xmlns="">', "</DocumentCache>"),
    "flowservice": ('<FlowService xmlns="">', "</FlowService>"),
    "process": ('<process xmlns="" workload="general">', "</process>"),
    "processproperty": (
        '<DefinedProcessPropertyContainer xmlns="">',
        "</DefinedProcessPropertyContainer>",
    ),
    "profile.json": ('<JSONProfile xmlns="" strict="false">', "</JSONProfile>"),
    "queue": ('<Queue xmlns="" type="atomQueue">', "</Queue>"),
    "script.mapping": ('<scripting xmlns="" language="javascript">', "</scripting>"),
    "script.processing": ('<ProcessingScript xmlns="" language="groovy2">', "</ProcessingScript>"),
    "tpcommoptions": ('<CommunicationOptions xmlns="">', "</CommunicationOptions>"),
    "tradingpartner": ('<TradingPartner xmlns="" standard="x12">', "</TradingPartner>"),
    "transform.map": ('<map xmlns="">', "</map>"),
    "webservice": ('<WebService xmlns="" type="rest">', "</WebService>"),
    "webservice.external": ('<WebServiceExternal xmlns="">', "</WebServiceExternal>"),
}
"""The configuration element of each type the catalogue plants in."""


def wrap(component_type: str, inner: str) -> str:
    """``inner`` inside the configuration element of ``component_type``."""
    opening, closing = _ROOTS[component_type]
    return f"{opening}{inner}{closing}"


class _Writer:
    def __init__(self, state: EmulatorState, account_id: str, folder: str) -> None:
        self.state = state
        self.account_id = account_id
        self.folder = folder
        self.seeder = Seeder(state)

    def write(
        self,
        name: str,
        component_type: str,
        inner: str,
        *,
        description: str = "",
        account_id: str | None = None,
        folder: str | None = None,
        sub_type: str = "",
    ) -> str:
        account = account_id or self.account_id
        document = ComponentDocument(
            component_id="",
            name=name,
            type=component_type,
            sub_type=sub_type,
            folder_id=self.seeder.folder(account, folder or f"{self.folder}/{component_type}"),
            branch_id="",
            description=description,
            encrypted_values=(),
            object_xml=inner,
            process_overrides_xml=(
                f'<bns:processOverrides xmlns:bns="{BNS}"/>' if component_type == "process" else ""
            ),
        )
        view = self.state.apply_write(
            account,
            document,
            path_component_id=None,
            path_branch_id=None,
            user="classes.developer@example.com",
            at=CLASS_CORPUS_AT,
        )
        return view.revision.component_id

    def package(self, component_id: str, notes: str) -> str:
        return self.state.add_package(
            self.account_id,
            {"componentId": component_id, "packageVersion": "1.0", "notes": notes},
            user="classes.developer@example.com",
            at=CLASS_CORPUS_AT,
        ).package_id

    def root(self, name: str, component_ids: list[str], shapes: str = "") -> str:
        canvas = Canvas().add("start", "", "<passthroughaction/>")
        for component_id in component_ids:
            canvas.add("component", "Uses", f'<uses component="{component_id}"/>')
        xml = canvas.add("stop", "", '<stop continue="true"/>').xml()
        opening, rest = xml.split(">", 1)
        return self.write(name, "process", f"{opening}>{shapes}{rest}")


def add_secret_class_account(
    state: EmulatorState, *, name: str = "Secret Classes"
) -> SecretClassCorpus:
    """Add a dev sub-account (``secretclasses-SCL00n``) with the two packaged trees."""
    compact = "".join(ch for ch in name if ch.isalnum())
    account_id = f"{compact.lower()}-SCL{len(state.accounts):03d}"
    state.add_account(
        account_id, name, parent_account_id=state.primary_account_id, at=CLASS_CORPUS_AT
    )
    writer = _Writer(state, account_id, compact)
    markers = MarkerFactory()
    planted: list[PlantedForm] = []

    stripped: dict[str, list[tuple[SecretForm, str, str]]] = {}
    for index, form in enumerate(f for f in SECRET_FORMS if f.outcome is Outcome.STRIPPED):
        marker = markers.make(form.marker)
        as_attribute = form.placements[index % len(form.placements)]
        fragment = form.fragment(marker, as_attribute=as_attribute)
        stripped.setdefault(form.component_type, []).append((form, marker, fragment))
    dev_connection = prod_connection = ""
    ids: list[str] = []
    for component_type, forms in sorted(stripped.items()):
        component_name = f"Classes {component_type}"
        inner = wrap(component_type, "".join(fragment for _, _, fragment in forms))
        if component_type == CONNECTION_TYPE:
            dev_connection = writer.write(component_name, component_type, inner, sub_type="http")
            prod_connection = writer.write(
                component_name,
                component_type,
                wrap(component_type, '<field id="host">api.example.com</field>'),
                account_id=state.primary_account_id,
                folder="#Connections",
                sub_type="http",
            )
            component_id = dev_connection
        else:
            component_id = writer.write(component_name, component_type, inner)
        ids.append(component_id)
        planted.extend(PlantedForm(f, m, component_id, component_name) for f, m, _ in forms)
    stripped_root = writer.root("Classes Stripped", ids)

    blocked_ids: list[str] = []
    for number, form in enumerate(
        (f for f in SECRET_FORMS if f.outcome is Outcome.BLOCKED), start=1
    ):
        marker = markers.make(form.marker)
        component_name = f"Classes blocked {number:02d}"
        fragment = "" if form.in_description else form.fragment(marker, as_attribute=False)
        component_id = writer.write(
            component_name,
            form.component_type,
            wrap(form.component_type, fragment),
            description=form.description(marker),
        )
        blocked_ids.append(component_id)
        planted.append(PlantedForm(form, marker, component_id, component_name))
    blocked_root = writer.root("Classes Blocked", blocked_ids)

    return SecretClassCorpus(
        account_id=account_id,
        name=name,
        primary_account_id=state.primary_account_id,
        stripped_package_id=writer.package(stripped_root, "every stripped form"),
        stripped_process_id=stripped_root,
        blocked_package_id=writer.package(blocked_root, "every blocked form"),
        blocked_process_id=blocked_root,
        connection=(dev_connection, prod_connection),
        planted=tuple(planted),
    )
