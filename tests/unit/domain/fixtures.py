"""Component XML written for these tests: one realistic body per promotable type, connections
carrying secrets in every form, and a builder that wraps a body in a dev ``<bns:Component>``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

BNS = "http://api.platform.boomi.com/"

# Dev component ids the bodies below reference.
CONNECTION_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445501"
OPERATION_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445502"
MAP_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445503"
SUBPROCESS_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445504"
ROUTE_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445505"
PROCESS_SCRIPT_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445506"
SOURCE_PROFILE_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445507"
TARGET_PROFILE_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445508"
CROSSREF_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445509"
MAP_SCRIPT_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445510"
DB_PROFILE_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445511"
SECOND_SUBPROCESS_ID = "7d1f0a52-3c4b-4e6f-9a10-112233445512"
DEV_COMPONENT_ID = "5a5a5a5a-0000-4000-8000-00000000d001"


def component(
    component_type: str,
    body: str,
    *,
    name: str = "Invoice Sync",
    sub_type: str | None = None,
    component_id: str = DEV_COMPONENT_ID,
    encrypted: Sequence[tuple[str, bool]] = (),
    description: str = "Moves invoices from the ledger to the warehouse",
    overrides: str | None = None,
    branch: bool = True,
) -> bytes:
    """A component as a dev account's GET answers it, with every read-only attribute set."""
    attributes = {
        "componentId": component_id,
        "version": "12",
        "name": name,
        "type": component_type,
        "createdDate": "2025-03-02T08:15:00Z",
        "createdBy": "dev.author@example.org",
        "modifiedDate": "2025-04-11T17:40:00Z",
        "modifiedBy": "dev.editor@example.org",
        "deleted": "false",
        "currentVersion": "true",
        "folderName": "Invoices",
        "folderFullPath": "TeamNorth/Finance/Invoices",
        "folderId": "RjoyMjIyMg",
        "copiedFromComponentId": "5a5a5a5a-0000-4000-8000-00000000c0de",
        "copiedFromComponentVersion": "3",
    }
    if sub_type is not None:
        attributes["subType"] = sub_type
    if branch:
        attributes["branchId"] = "QjoxMjM0"
        attributes["branchName"] = "main"
    rendered = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
    declarations = "".join(
        f"<bns:encryptedValue path={quoteattr(path)} isSet={quoteattr(str(is_set).lower())}/>"
        for path, is_set in encrypted
    )
    encrypted_values = (
        f"<bns:encryptedValues>{declarations}</bns:encryptedValues>"
        if declarations
        else "<bns:encryptedValues/>"
    )
    process_overrides = (
        f"<bns:processOverrides>{overrides}</bns:processOverrides>" if overrides is not None else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<bns:Component xmlns:bns="{BNS}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {rendered}>\n'
        f"  {encrypted_values}\n"
        f"  <bns:description>{description}</bns:description>\n"
        f"  <bns:object>\n{body}\n  </bns:object>\n"
        f"  {process_overrides}\n"
        "</bns:Component>\n"
    ).encode()


@dataclass(frozen=True)
class TypeFixture:
    component_type: str
    sub_type: str | None
    body: str
    keep: tuple[str, ...]
    """Values that must come through stripping untouched (ids, names that look sensitive)."""


PROCESS_BODY = f"""
    <process xmlns="" allowSimultaneous="false" workload="general">
      <shapes>
        <shape name="shape1" shapetype="start" userlabel="Fetch password resets" x="48.0" y="60.0">
          <configuration>
            <connector connectionId="{CONNECTION_ID}" operationId="{OPERATION_ID}"
                       connectortype="http" connectorname="Ledger API"/>
          </configuration>
          <dragpoints><dragpoint name="shape1.dragpoint1" toShape="shape2"/></dragpoints>
        </shape>
        <shape name="shape2" shapetype="map" userlabel="To warehouse format">
          <configuration><map mapId="{MAP_ID}"/></configuration>
        </shape>
        <shape name="shape3" shapetype="processcall" userlabel="Archive">
          <configuration><processcall processId="{SUBPROCESS_ID}" wait="true"/></configuration>
        </shape>
        <shape name="shape4" shapetype="processroute" userlabel="Route by region">
          <configuration><processroute routeId="{ROUTE_ID}"/></configuration>
        </shape>
        <shape name="shape5" shapetype="dataprocess" userlabel="Normalise">
          <configuration>
            <dataprocess>
              <step index="1" name="Custom Scripting">
                <dataprocessscript language="groovy2">
                  <scriptComponent component="{PROCESS_SCRIPT_ID}" componentName="Trim fields"/>
                </dataprocessscript>
              </step>
            </dataprocess>
          </configuration>
        </shape>
        <shape name="shape6" shapetype="message" userlabel="Note">
          <configuration><message>Token refresh happens upstream</message></configuration>
        </shape>
      </shapes>
    </process>"""

PROCESS_ROUTE_BODY = f"""
    <processRoute xmlns="" passthrough="false">
      <routeKeys><routeKey name="region"/></routeKeys>
      <routes>
        <route processId="{SUBPROCESS_ID}">
          <keyValues><keyValue key="region" value="north"/></keyValues>
        </route>
        <route processId="{SECOND_SUBPROCESS_ID}">
          <keyValues><keyValue key="region" value="south"/></keyValues>
        </route>
      </routes>
    </processRoute>"""

MAP_BODY = f"""
    <map xmlns="">
      <sourceProfile component="{SOURCE_PROFILE_ID}" componentName="Ledger invoice"
                     type="profile.json"/>
      <destinationProfile component="{TARGET_PROFILE_ID}" componentName="Warehouse row"
                          type="profile.xml"/>
      <mappings>
        <mapping sourceElement="4" sourceElementName="Root/password" destElement="9"
                 destElementName="Row/host"/>
      </mappings>
      <functions>
        <function id="F1" type="Lookup">
          <configuration>
            <crossRefTable component="{CROSSREF_ID}" componentName="Region codes"
                           sourceRef="ref1" destRef="ref2"/>
          </configuration>
        </function>
        <function id="F2" type="Scripting">
          <configuration>
            <scriptComponent component="{MAP_SCRIPT_ID}" componentName="Clean amount"/>
          </configuration>
        </function>
      </functions>
    </map>"""

HTTP_OPERATION_BODY = """
    <Operation xmlns="">
      <Configuration>
        <HttpPostAction methodType="POST" dataContentType="application/json"
                        requestProfileType="NONE" responseProfileType="NONE">
          <pathElements>
            <element key="1" name="/ledger/v2/"/>
            <element key="2" isVariable="true" name="invoiceId"/>
          </pathElements>
          <requestHeaders>
            <header headerFieldName="X-Tenant" headerValue="north"/>
          </requestHeaders>
        </HttpPostAction>
      </Configuration>
      <Tracking><TrackedFields/></Tracking>
    </Operation>"""

DB_STATEMENT = "SELECT id, total FROM invoices WHERE region = ?"

DB_OPERATION_BODY = f"""
    <GenericConnectorConfig xmlns="">
      <field id="action">QUERY</field>
      <field id="statement">{DB_STATEMENT}</field>
      <field id="profile">{DB_PROFILE_ID}</field>
      <field id="maxRows" value="500"/>
    </GenericConnectorConfig>"""

JSON_PROFILE_BODY = """
    <JSONProfile xmlns="" strict="false">
      <DataElements>
        <JSONRootValue dataType="character" key="1" name="Root">
          <JSONObject key="2" name="Object">
            <JSONObjectEntry dataType="character" key="3" name="password">
              <DataFormat><ProfileCharacterFormat/></DataFormat>
            </JSONObjectEntry>
            <JSONObjectEntry dataType="character" key="4" name="apiKey">
              <DataFormat><ProfileCharacterFormat/></DataFormat>
            </JSONObjectEntry>
          </JSONObject>
        </JSONRootValue>
      </DataElements>
    </JSONProfile>"""

XML_PROFILE_BODY = """
    <XMLProfile xmlns="" modelVersion="2" strict="true">
      <ProfileProperties><XMLOptions encoding="utf8"/></ProfileProperties>
      <DataElements>
        <XMLElement dataType="character" key="1" name="Row" maxOccurs="-1">
          <XMLAttribute dataType="character" key="2" name="url"/>
          <XMLElement dataType="character" key="3" name="token"/>
        </XMLElement>
      </DataElements>
    </XMLProfile>"""

FLAT_FILE_PROFILE_BODY = """
    <FlatFileProfile xmlns="" modelVersion="2" strict="true">
      <ProfileProperties>
        <GeneralInfo fileType="delimited" useColumnHeaders="true"/>
        <Options><DelimitedOptions fileDelimiter="pipedelimited"/></Options>
      </ProfileProperties>
      <DataElements>
        <FlatFileRecord key="1" name="Line">
          <FlatFileElements key="2" name="Cells">
            <FlatFileElement dataType="character" key="3" name="HOST_NAME" maxLength="40"/>
            <FlatFileElement dataType="number" key="4" name="PORT" maxLength="5"/>
          </FlatFileElements>
        </FlatFileRecord>
      </DataElements>
    </FlatFileProfile>"""

DB_PROFILE_BODY = """
    <DatabaseProfile xmlns="" modelVersion="2" strict="false">
      <ProfileProperties><DBGeneralInfo executionType="WRITE"/></ProfileProperties>
      <DataElements>
        <DBStatement key="1" name="Statement">
          <DBStatementSettings table="LOGINS" type="Insert"/>
          <DBFields key="2" name="Fields">
            <DBField dataType="character" key="3" name="USERNAME" isOutput="false"/>
            <DBField dataType="character" key="4" name="PASSWORD_HASH" isOutput="false"/>
          </DBFields>
        </DBStatement>
      </DataElements>
    </DatabaseProfile>"""

EDI_PROFILE_BODY = """
    <EDIProfile xmlns="" modelVersion="2" strict="false">
      <ProfileProperties>
        <EDIGeneralInfo ediStandard="X12" version="004010" transaction="810"/>
      </ProfileProperties>
      <DataElements>
        <EDISegment key="1" name="BIG" minOccurs="1" maxOccurs="1">
          <EDIElement dataType="datetime" key="2" name="BIG01" mandatory="M"/>
          <EDIElement dataType="character" key="3" name="BIG02" mandatory="M"/>
        </EDISegment>
      </DataElements>
    </EDIProfile>"""

CROSSREF_BODY = """
    <CrossRefTable xmlns="" matchType="exact">
      <headers>
        <header ref="ref1" name="Region"/>
        <header ref="ref2" name="Warehouse"/>
      </headers>
      <rows>
        <row><col ref="ref1">north</col><col ref="ref2">WH-OSLO</col></row>
        <row><col ref="ref1">south</col><col ref="ref2">WH-ROMA</col></row>
      </rows>
    </CrossRefTable>"""

PROCESS_SCRIPT_BODY = """
    <ProcessingScript xmlns="" language="groovy2">
      <script><![CDATA[
def password = ExecutionUtil.getDynamicProcessProperty("vaultPath")
for (int i = 0; i < dataContext.getDataCount(); i++) {
    dataContext.storeStream(dataContext.getStream(i), dataContext.getProperties(i))
}
]]></script>
    </ProcessingScript>"""

MAP_SCRIPT_BODY = """
    <scripting xmlns="" scriptType="mapscript" language="javascript">
      <inputs><input name="amount" type="Float"/></inputs>
      <outputs><output name="rounded"/></outputs>
      <script><![CDATA[rounded = amount == null ? 0 : Math.round(amount * 100) / 100;]]></script>
    </scripting>"""

PROMOTABLE_TYPES: dict[str, TypeFixture] = {
    "process": TypeFixture(
        "process",
        None,
        PROCESS_BODY,
        (CONNECTION_ID, OPERATION_ID, MAP_ID, SUBPROCESS_ID, ROUTE_ID, "Fetch password resets"),
    ),
    "processroute": TypeFixture(
        "processroute", None, PROCESS_ROUTE_BODY, (SUBPROCESS_ID, SECOND_SUBPROCESS_ID)
    ),
    "transform.map": TypeFixture(
        "transform.map",
        None,
        MAP_BODY,
        (SOURCE_PROFILE_ID, TARGET_PROFILE_ID, CROSSREF_ID, MAP_SCRIPT_ID, "Root/password"),
    ),
    "connector-action/http": TypeFixture(
        "connector-action", "http", HTTP_OPERATION_BODY, ("/ledger/v2/", "X-Tenant")
    ),
    "connector-action/db": TypeFixture(
        "connector-action", "db", DB_OPERATION_BODY, (DB_PROFILE_ID, "SELECT id, total")
    ),
    "profile.json": TypeFixture("profile.json", None, JSON_PROFILE_BODY, ('name="password"',)),
    "profile.xml": TypeFixture("profile.xml", None, XML_PROFILE_BODY, ('name="url"',)),
    "profile.flatfile": TypeFixture(
        "profile.flatfile", None, FLAT_FILE_PROFILE_BODY, ('name="HOST_NAME"',)
    ),
    "profile.db": TypeFixture("profile.db", None, DB_PROFILE_BODY, ('name="PASSWORD_HASH"',)),
    "profile.edi": TypeFixture("profile.edi", None, EDI_PROFILE_BODY, ('transaction="810"',)),
    "crossref": TypeFixture("crossref", None, CROSSREF_BODY, ("WH-OSLO",)),
    "script.processing": TypeFixture(
        "script.processing", None, PROCESS_SCRIPT_BODY, ("def password =",)
    ),
    "script.mapping": TypeFixture("script.mapping", None, MAP_SCRIPT_BODY, ("Math.round",)),
}

# Secrets planted in the connection fixtures: none may survive stripping.
HTTP_PASSWORD = "Vx9!pass-ledger-41"
HTTP_USER = "svc_ledger_reader"
HTTP_URL = "https://ledger.dev.internal:8443/api"
OAUTH_CLIENT_ID = "client-0f9e8d7c"
OAUTH_CLIENT_SECRET = "oauth-secret-5b4a3c2d"
OAUTH_ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.dev-token"
TOKEN_ENDPOINT = "https://login.dev.internal/oauth2/token"

HTTP_CONNECTION_BODY = f"""
    <HttpSettings xmlns="" authenticationType="BASIC" url="{HTTP_URL}">
      <AuthSettings user="{HTTP_USER}" password="{HTTP_PASSWORD}"/>
      <OAuth2Settings grantType="client_credentials">
        <credentials clientId="{OAUTH_CLIENT_ID}" clientSecret="{OAUTH_CLIENT_SECRET}"
                     accessToken="{OAUTH_ACCESS_TOKEN}"/>
        <accessTokenEndpoint url="{TOKEN_ENDPOINT}"><sslOptions/></accessTokenEndpoint>
        <scope>invoices.read</scope>
      </OAuth2Settings>
      <SSLOptions clientauth="false" trustServerCert="false"/>
    </HttpSettings>"""

DB_HOST = "pg-dev-07.internal.example.net"
DB_PORT = "6432"
DB_JDBC_URL = "jdbc:postgresql://pg-dev-07.internal.example.net:6432/ledger"
DB_USERNAME = "ledger_etl_dev"
DB_PASSWORD_CIPHER = "QUVTMjU2OmNpcGhlcnRleHQtZGV2LXBhc3N3b3Jk"
DB_PASSWORD_PATH = "//GenericConnectorConfig/field[@id='password']/text()"

DB_CONNECTION_BODY = f"""
    <GenericConnectorConfig xmlns="">
      <field id="host">{DB_HOST}</field>
      <field id="port" value="{DB_PORT}"/>
      <field id="dbName">LEDGER</field>
      <field id="jdbcUrl">{DB_JDBC_URL}</field>
      <field id="username">{DB_USERNAME}</field>
      <field id="password">
        <EncryptedValue>{DB_PASSWORD_CIPHER}</EncryptedValue>
      </field>
      <field id="maxPoolSize" value="12"/>
    </GenericConnectorConfig>"""

SFTP_HOST = "sftp.partner-dev.example.com"
SFTP_PRIVATE_KEY = "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0"
SFTP_PASSPHRASE = "correct-horse-battery"

SFTP_CONNECTION_BODY = f"""
    <GenericConnectorConfig xmlns="">
      <field id="Host" value="{SFTP_HOST}"/>
      <field id="authType">publickey</field>
      <field id="private_key"><EncryptedValue>{SFTP_PRIVATE_KEY}</EncryptedValue></field>
      <field id="PassPhrase" value="{SFTP_PASSPHRASE}"/>
      <field id="connectTimeout" value="30000"/>
    </GenericConnectorConfig>"""

CUSTOM_API_KEY = "ak_live_dev_77c1d2e3f4"
CUSTOM_CONNECTION_STRING = "Server=sql-dev;Database=ledger;Uid=etl;Pwd=Hunter22!"
CUSTOM_PASSWORD = "kept-in-element-text-901"
CUSTOM_TOKEN_PART = "nested-token-fragment-55"

CUSTOM_CONNECTION_BODY = f"""
    <LegacyConnectorSettings xmlns="">
      <API_KEY>{CUSTOM_API_KEY}</API_KEY>
      <ConnectionString>{CUSTOM_CONNECTION_STRING}</ConnectionString>
      <auth>
        <Password>{CUSTOM_PASSWORD}</Password>
        <token><part>{CUSTOM_TOKEN_PART}</part></token>
      </auth>
      <timeoutSeconds>45</timeoutSeconds>
    </LegacyConnectorSettings>"""

CONNECTION_SECRETS = (
    HTTP_PASSWORD,
    HTTP_USER,
    HTTP_URL,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OAUTH_ACCESS_TOKEN,
    TOKEN_ENDPOINT,
    DB_HOST,
    DB_JDBC_URL,
    DB_USERNAME,
    DB_PASSWORD_CIPHER,
    SFTP_HOST,
    SFTP_PRIVATE_KEY,
    SFTP_PASSPHRASE,
    CUSTOM_API_KEY,
    CUSTOM_CONNECTION_STRING,
    CUSTOM_PASSWORD,
    CUSTOM_TOKEN_PART,
)
