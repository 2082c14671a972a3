"""Stripping environment-specific values: every form, every promotable type, hostile input."""

from __future__ import annotations

import pytest
from lxml import etree

from boomi_promo.domain.component_xml import ComponentXmlError, UnsafeComponentXmlError
from boomi_promo.domain.secrets import (
    EncryptedPathError,
    SecretFinding,
    SecretKind,
    SecretLeakError,
    StrippedValue,
    ValueKind,
    find_blocking_secrets,
    find_environment_values,
    parse_encrypted_value_path,
    strip_secrets,
)
from boomi_promo.xmlsafe import parse_xml
from tests.unit.domain.fixtures import (
    CONNECTION_SECRETS,
    CUSTOM_CONNECTION_BODY,
    DB_CONNECTION_BODY,
    DB_PASSWORD_PATH,
    DB_PORT,
    HTTP_CONNECTION_BODY,
    PROMOTABLE_TYPES,
    SFTP_CONNECTION_BODY,
    TypeFixture,
    component,
)

BNS = "{http://api.platform.boomi.com/}"


def stripped_paths(result: list[StrippedValue]) -> dict[str, SecretKind]:
    return {value.path: value.kind for value in result}


def canonical(xml: bytes) -> bytes:
    return etree.tostring(parse_xml(xml), method="c14n")


def test_http_connection_loses_url_credentials_and_tokens_in_attributes() -> None:
    xml = component("connector-settings", HTTP_CONNECTION_BODY, sub_type="http")

    result = strip_secrets(xml)

    assert stripped_paths(result.stripped) == {
        "/HttpSettings/@url": SecretKind.ATTRIBUTE,
        "/HttpSettings/AuthSettings/@user": SecretKind.ATTRIBUTE,
        "/HttpSettings/AuthSettings/@password": SecretKind.ATTRIBUTE,
        "/HttpSettings/OAuth2Settings/credentials/@clientId": SecretKind.ATTRIBUTE,
        "/HttpSettings/OAuth2Settings/credentials/@clientSecret": SecretKind.ATTRIBUTE,
        "/HttpSettings/OAuth2Settings/credentials/@accessToken": SecretKind.ATTRIBUTE,
        "/HttpSettings/OAuth2Settings/accessTokenEndpoint/@url": SecretKind.ATTRIBUTE,
    }
    settings = parse_xml(result.xml).find(f"{BNS}object/HttpSettings")
    assert settings is not None
    auth = settings.find("AuthSettings")
    assert auth is not None
    # Emptied in place, never removed: the attributes Boomi expects are still there.
    assert (auth.get("user"), auth.get("password")) == ("", "")
    assert settings.get("authenticationType") == "BASIC"
    assert settings.findtext("OAuth2Settings/scope") == "invoices.read"


def test_generic_fields_are_matched_by_id_in_both_value_forms() -> None:
    xml = component(
        "connector-settings",
        DB_CONNECTION_BODY,
        sub_type="db",
        encrypted=[(DB_PASSWORD_PATH, True)],
    )

    result = strip_secrets(xml)

    assert stripped_paths(result.stripped) == {
        "/GenericConnectorConfig/field[@id='host']": SecretKind.FIELD,
        "/GenericConnectorConfig/field[@id='port']": SecretKind.FIELD,
        "/GenericConnectorConfig/field[@id='jdbcUrl']": SecretKind.FIELD,
        # A username beside a password is one half of the credential.
        "/GenericConnectorConfig/field[@id='username']": SecretKind.FIELD,
        "/GenericConnectorConfig/field[@id='password']": SecretKind.FIELD,
    }
    config = parse_xml(result.xml).find(f"{BNS}object/GenericConnectorConfig")
    assert config is not None
    fields = {field.get("id"): field for field in config.findall("field")}
    assert fields["port"].get("value") == ""
    assert fields["dbName"].text == "LEDGER"
    assert fields["maxPoolSize"].get("value") == "12"
    encrypted = fields["password"].find("EncryptedValue")
    assert encrypted is not None
    assert not (encrypted.text or "").strip()


def test_field_ids_and_element_names_match_whatever_their_case_or_separators() -> None:
    result = strip_secrets(component("connector-settings", SFTP_CONNECTION_BODY, sub_type="sftp"))

    assert stripped_paths(result.stripped) == {
        "/GenericConnectorConfig/field[@id='Host']": SecretKind.FIELD,
        "/GenericConnectorConfig/field[@id='private_key']": SecretKind.FIELD,
        "/GenericConnectorConfig/field[@id='PassPhrase']": SecretKind.FIELD,
    }
    assert b'<field id="authType">publickey</field>' in result.xml


def test_element_text_is_emptied_including_nested_children() -> None:
    result = strip_secrets(component("connector-settings", CUSTOM_CONNECTION_BODY))

    assert stripped_paths(result.stripped) == {
        "/LegacyConnectorSettings/API_KEY": SecretKind.ELEMENT_TEXT,
        "/LegacyConnectorSettings/ConnectionString": SecretKind.ELEMENT_TEXT,
        "/LegacyConnectorSettings/auth/Password": SecretKind.ELEMENT_TEXT,
        "/LegacyConnectorSettings/auth/token": SecretKind.ELEMENT_TEXT,
    }
    settings = parse_xml(result.xml).find(f"{BNS}object/LegacyConnectorSettings")
    assert settings is not None
    # The structure stays; only the values are gone.
    assert settings.find("auth/token/part") is not None
    assert settings.findtext("timeoutSeconds") == "45"


@pytest.mark.parametrize(
    "body",
    [HTTP_CONNECTION_BODY, DB_CONNECTION_BODY, SFTP_CONNECTION_BODY, CUSTOM_CONNECTION_BODY],
    ids=["http", "db", "sftp", "custom"],
)
def test_no_connection_secret_survives_and_the_result_parses(body: str) -> None:
    xml = component("connector-settings", body, encrypted=[(DB_PASSWORD_PATH, False)])

    result = strip_secrets(xml)

    root = parse_xml(result.xml)
    assert root.tag == f"{BNS}Component"
    for secret in CONNECTION_SECRETS:
        assert secret.encode() not in result.xml, secret


def test_name_value_pairs_lose_their_values_when_their_name_is_sensitive() -> None:
    body = """
    <Operation xmlns="">
      <requestHeaders>
        <header headerFieldName="Authorization" headerValue="Bearer dev-bearer-0042"/>
        <header headerFieldName="X-Tenant" headerValue="north"/>
      </requestHeaders>
      <properties>
        <property name="dbUser" type="static" value="etl_reader"/>
        <property name="user" type="static" value="etl_writer"/>
        <property name="Password" type="static" value="static-pass-7781"/>
      </properties>
      <keyValue key="region" value="north"/>
    </Operation>"""

    result = strip_secrets(component("connector-action", body, sub_type="http"))

    assert stripped_paths(result.stripped) == {
        "/Operation/requestHeaders/header[@headerFieldName='Authorization']/@headerValue": (
            SecretKind.FIELD
        ),
        "/Operation/properties/property[@name='user']/@value": SecretKind.FIELD,
        "/Operation/properties/property[@name='Password']/@value": SecretKind.FIELD,
    }
    for kept in (b'headerValue="north"', b'value="etl_reader"', b'key="region" value="north"'):
        assert kept in result.xml


def test_a_field_inside_a_secret_element_loses_its_value_attribute_too() -> None:
    body = """
    <Vendor xmlns="">
      <token><field id="secret" value="inner-value-4410"/>outer-text-9921</token>
    </Vendor>"""

    result = strip_secrets(component("connector-settings", body))

    assert stripped_paths(result.stripped) == {
        "/Vendor/token": SecretKind.ELEMENT_TEXT,
        "/Vendor/token/field[@id='secret']": SecretKind.FIELD,
    }
    assert b"inner-value-4410" not in result.xml
    assert b"outer-text-9921" not in result.xml


def test_encrypted_value_elements_are_emptied_wherever_they_stand() -> None:
    body = """
    <VendorSettings xmlns="">
      <opaque><blob><EncryptedValue>c2VjcmV0LWluLWFuLW9kZC1wbGFjZQ==</EncryptedValue></blob></opaque>
      <region>eu-north-1</region>
    </VendorSettings>"""

    result = strip_secrets(component("connector-settings", body))

    assert result.stripped == [
        StrippedValue("/VendorSettings/opaque/blob/EncryptedValue", SecretKind.ENCRYPTED_VALUE)
    ]
    assert b"c2VjcmV0LWluLWFuLW9kZC1wbGFjZQ==" not in result.xml
    assert b"<region>eu-north-1</region>" in result.xml


class TestEncryptedValuePaths:
    """Values named only by ``<bns:encryptedValues>``: names no list knows, found by path."""

    BODY = """
    <VaultSettings xmlns="" pin="4471-pin-attr">
      <Seal code="seal-code-8812"/>
      <Entries>
        <field id="pinCode" value="field-value-3321"/>
        <field id="recovery">recovery-text-6650</field>
        <field id="recovery2"><wrapped>wrapped-text-7781</wrapped></field>
      </Entries>
      <Lock><combination>combo-element-2290</combination></Lock>
      <label>shown to users</label>
    </VaultSettings>"""

    PATHS = (
        ("/VaultSettings/@pin", "4471-pin-attr", "/VaultSettings/@pin"),
        ("//Seal/@code", "seal-code-8812", "/VaultSettings/Seal/@code"),
        (
            "//field[@id='pinCode']/@value",
            "field-value-3321",
            "/VaultSettings/Entries/field[@id='pinCode']/@value",
        ),
        (
            '/VaultSettings/Entries/field[@id="recovery"]/text()',
            "recovery-text-6650",
            "/VaultSettings/Entries/field[@id='recovery']",
        ),
        (
            "//Entries/field[3]/text()",
            "wrapped-text-7781",
            "/VaultSettings/Entries/field[@id='recovery2']",
        ),
        ("Lock/combination", "combo-element-2290", "/VaultSettings/Lock/combination"),
    )

    @pytest.mark.parametrize(("path", "secret", "reported"), PATHS)
    def test_each_accepted_path_form_empties_its_target(
        self, path: str, secret: str, reported: str
    ) -> None:
        xml = component("connector-settings", self.BODY, encrypted=[(path, True)])
        assert secret.encode() in xml

        result = strip_secrets(xml)

        assert secret.encode() not in result.xml
        assert result.stripped == [StrippedValue(reported, SecretKind.ENCRYPTED_PATH)]
        assert b"<label>shown to users</label>" in result.xml

    def test_declarations_are_marked_unset_after_stripping(self) -> None:
        paths = [(path, True) for path, _, _ in self.PATHS]
        result = strip_secrets(component("connector-settings", self.BODY, encrypted=paths))

        declarations = parse_xml(result.xml).findall(f"{BNS}encryptedValues/{BNS}encryptedValue")
        assert [d.get("isSet") for d in declarations] == ["false"] * len(paths)
        for _, secret, _ in self.PATHS:
            assert secret.encode() not in result.xml

    def test_a_path_that_is_set_but_selects_nothing_is_an_error(self) -> None:
        xml = component("connector-settings", self.BODY, encrypted=[("//Missing/@pin", True)])

        with pytest.raises(EncryptedPathError, match="selects nothing"):
            strip_secrets(xml)

    def test_a_path_that_is_not_set_may_select_nothing(self) -> None:
        xml = component("connector-settings", self.BODY, encrypted=[("//Missing/@pin", False)])

        assert strip_secrets(xml).stripped == []

    def test_the_path_is_evaluated_inside_the_object_only(self) -> None:
        # bns:description is outside <bns:object>; an absolute path cannot reach it.
        xml = component("connector-settings", self.BODY, encrypted=[("/Component/@name", True)])

        with pytest.raises(EncryptedPathError):
            strip_secrets(xml)

    @pytest.mark.parametrize(
        "path",
        [
            "count(//field)",
            "//field | //Seal",
            "//bns:object/VaultSettings/@pin",
            "../VaultSettings/@pin",
            "//Seal/@*",
            "//field[contains(@id, 'pin')]/@value",
            "/VaultSettings/@pin/text()",
            "/VaultSettings" + "/*" * 600 + "/@pin",
            "",
        ],
    )
    def test_unsupported_path_forms_are_refused(self, path: str) -> None:
        xml = component("connector-settings", self.BODY, encrypted=[(path, True)])

        with pytest.raises(EncryptedPathError):
            strip_secrets(xml)

    def test_a_declaration_without_a_path_is_refused(self) -> None:
        xml = component("connector-settings", self.BODY).replace(
            b"<bns:encryptedValues/>",
            b'<bns:encryptedValues><bns:encryptedValue isSet="true"/></bns:encryptedValues>',
        )

        with pytest.raises(EncryptedPathError, match="no path"):
            strip_secrets(xml)

    def test_path_parsing_splits_the_final_step(self) -> None:
        parsed = parse_encrypted_value_path("//GenericConnectorConfig/field[@id='password']/@value")
        assert parsed.element_path == "//GenericConnectorConfig/field[@id='password']"
        assert parsed.attribute == "value"
        parsed = parse_encrypted_value_path(DB_PASSWORD_PATH)
        assert parsed.element_path == "//GenericConnectorConfig/field[@id='password']"
        assert parsed.attribute is None


class TestCredentialContext:
    def test_a_lone_user_name_is_not_a_secret(self) -> None:
        body = """
        <MailSettings xmlns="" user="invoices@example.org">
          <field id="username">archive-box</field>
          <field id="folder">INBOX</field>
        </MailSettings>"""

        result = strip_secrets(component("connector-action", body))

        assert result.stripped == []
        assert b'user="invoices@example.org"' in result.xml
        assert b"archive-box" in result.xml

    def test_a_user_element_beside_a_secret_element_is_emptied(self) -> None:
        body = """
        <Login xmlns=""><username>ops-admin</username><apiToken>tok-991-abcdef</apiToken></Login>"""

        result = strip_secrets(component("connector-settings", body))

        assert stripped_paths(result.stripped) == {
            "/Login/username": SecretKind.ELEMENT_TEXT,
            "/Login/apiToken": SecretKind.ELEMENT_TEXT,
        }


class TestNoOverStripping:
    @pytest.mark.parametrize("fixture", PROMOTABLE_TYPES.values(), ids=PROMOTABLE_TYPES.keys())
    def test_a_promotable_component_without_secrets_comes_through_unchanged(
        self, fixture: TypeFixture
    ) -> None:
        xml = component(fixture.component_type, fixture.body, sub_type=fixture.sub_type)

        result = strip_secrets(xml)

        assert result.stripped == []
        assert find_environment_values(xml) == []
        assert canonical(result.xml) == canonical(xml)
        for kept in fixture.keep:
            assert kept.encode() in result.xml

    def test_empty_and_whitespace_values_are_not_reported(self) -> None:
        body = """
        <HttpSettings xmlns="" url="">
          <AuthSettings user="" password="   "/>
          <password>
          </password>
        </HttpSettings>"""
        xml = component("connector-settings", body)

        result = strip_secrets(xml)

        assert result.stripped == []
        assert canonical(result.xml) == canonical(xml)


SECRET_FORMS = {
    "element-text": ("<password>{secret}</password>", SecretKind.ELEMENT_TEXT),
    "attribute": ('<AuthSettings password="{secret}"/>', SecretKind.ATTRIBUTE),
    "field-value": ('<field id="apiKey" value="{secret}"/>', SecretKind.FIELD),
    "field-text": ('<field id="host">{secret}</field>', SecretKind.FIELD),
    "name-value": ('<property name="clientSecret" value="{secret}"/>', SecretKind.FIELD),
    "encrypted-value": ("<EncryptedValue>{secret}</EncryptedValue>", SecretKind.ENCRYPTED_VALUE),
    "encrypted-path": ('<Vault combination="{secret}"/>', SecretKind.ENCRYPTED_PATH),
}


@pytest.mark.parametrize("fixture", PROMOTABLE_TYPES.values(), ids=PROMOTABLE_TYPES.keys())
@pytest.mark.parametrize("form", SECRET_FORMS, ids=SECRET_FORMS.keys())
def test_every_secret_form_is_stripped_from_every_promotable_type(
    fixture: TypeFixture, form: str
) -> None:
    secret = f"planted-{form}-9Xq2"
    template, kind = SECRET_FORMS[form]
    planted = template.format(secret=secret)
    # Planted as the first child of the configuration element.
    head, separator, tail = fixture.body.partition(">")
    body = f"{head}{separator}{planted}{tail}"
    encrypted = [("//Vault/@combination", True)] if form == "encrypted-path" else []
    xml = component(fixture.component_type, body, sub_type=fixture.sub_type, encrypted=encrypted)

    result = strip_secrets(xml)

    assert secret.encode() not in result.xml
    assert [value.kind for value in result.stripped] == [kind]
    parse_xml(result.xml)
    for kept in fixture.keep:
        assert kept.encode() in result.xml


def test_process_overrides_are_stripped_too() -> None:
    fixture = PROMOTABLE_TYPES["process"]
    overrides = """
    <Overrides xmlns="">
      <Connections>
        <ConnectionOverride id="x">
          <field id="password" value="override-secret-1234"/>
        </ConnectionOverride>
      </Connections>
    </Overrides>"""
    xml = component("process", fixture.body, overrides=overrides)

    result = strip_secrets(xml)

    assert result.stripped == [
        StrippedValue(
            "processOverrides:/Overrides/Connections/ConnectionOverride/field[@id='password']",
            SecretKind.FIELD,
        )
    ]
    assert b"override-secret-1234" not in result.xml


class TestLeaks:
    def test_a_secret_repeated_elsewhere_refuses_the_component_without_naming_the_value(
        self,
    ) -> None:
        xml = component(
            "connector-settings",
            HTTP_CONNECTION_BODY,
            description="fallback login uses Vx9!pass-ledger-41",
        )

        with pytest.raises(SecretLeakError) as raised:
            strip_secrets(xml)

        assert "Vx9!pass-ledger-41" not in str(raised.value)
        assert "/HttpSettings/AuthSettings/@password" in str(raised.value)

    def test_each_part_of_a_field_value_is_searched_for(self) -> None:
        body = """
        <Config xmlns="">
          <field id="password" value="value-part-5521">text-part-8830</field>
          <field id="note">text-part-8830</field>
        </Config>"""

        with pytest.raises(SecretLeakError):
            strip_secrets(component("connector-settings", body))

    def test_a_secret_repeated_in_a_comment_goes_with_the_comment(self) -> None:
        body = """
        <Creds xmlns="">
          <!-- was: hunter2-old-pass -->
          <password>hunter2-old-pass</password>
        </Creds>"""

        result = strip_secrets(component("connector-settings", body))

        assert b"hunter2-old-pass" not in result.xml
        assert stripped_paths(result.stripped) == {
            "/Creds/comment()": SecretKind.COMMENT,
            "/Creds/password": SecretKind.ELEMENT_TEXT,
        }

    def test_very_short_secrets_are_emptied_but_not_searched_for(self) -> None:
        body = """<Creds xmlns=""><password>abc</password><note>abc abc</note></Creds>"""

        result = strip_secrets(component("connector-settings", body))

        assert b"<password></password>" in result.xml
        assert b"<note>abc abc</note>" in result.xml

    def test_endpoints_may_repeat_elsewhere(self) -> None:
        # The port also stands in the JDBC URL (a secret, emptied) and in ordinary numbers:
        # endpoint values are environment-specific, not secrets, so they are not searched for.
        body = f"""<Db xmlns=""><port>{DB_PORT}</port><poolSize>{DB_PORT}</poolSize></Db>"""

        result = strip_secrets(component("connector-settings", body))

        assert f"<poolSize>{DB_PORT}</poolSize>".encode() in result.xml


def test_find_environment_values_reports_what_strip_removes_without_changing_anything() -> None:
    xml = component(
        "connector-settings",
        DB_CONNECTION_BODY,
        sub_type="db",
        encrypted=[(DB_PASSWORD_PATH, True)],
    )

    found = find_environment_values(xml)

    assert found == strip_secrets(xml).stripped
    assert {value.kind for value in found} == {SecretKind.FIELD}


def test_stripping_twice_changes_nothing_more() -> None:
    xml = component("connector-settings", HTTP_CONNECTION_BODY)
    once = strip_secrets(xml)

    twice = strip_secrets(once.xml)

    assert twice.xml == once.xml
    assert twice.stripped == []


def test_indentation_and_the_wrapper_survive() -> None:
    xml = component("connector-settings", HTTP_CONNECTION_BODY)

    result = strip_secrets(xml)

    root = parse_xml(result.xml)
    assert root.get("name") == "Invoice Sync"
    assert root.findtext(f"{BNS}description") == "Moves invoices from the ledger to the warehouse"
    assert b"\n      <AuthSettings" in result.xml


class TestHostileXml:
    BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<bns:Component xmlns:bns="http://api.platform.boomi.com/" name="x" type="process">
  <bns:object><process xmlns="">&lol3;</process></bns:object>
</bns:Component>"""

    XXE = b"""<?xml version="1.0"?>
<!DOCTYPE c [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<bns:Component xmlns:bns="http://api.platform.boomi.com/" name="x" type="process">
  <bns:object><process xmlns="">&leak;</process></bns:object>
</bns:Component>"""

    @pytest.mark.parametrize(
        "xml",
        [
            BILLION_LAUGHS,
            XXE,
            XXE.decode().replace("1.0", '1.0" encoding="UTF-16', 1).encode("utf-16"),
        ],
        ids=["billion-laughs", "xxe", "xxe-utf16"],
    )
    def test_documents_with_entities_are_refused(self, xml: bytes) -> None:
        with pytest.raises(UnsafeComponentXmlError):
            strip_secrets(xml)
        with pytest.raises(UnsafeComponentXmlError):
            find_environment_values(xml)

    @pytest.mark.parametrize(
        "xml",
        [
            b"<bns:Component xmlns:bns='http://api.platform.boomi.com/'><bns:object>",
            b"",
            b"<Component><object><x/></object></Component>",
            b"<bns:Component xmlns:bns='http://api.platform.boomi.com/' name='x'/>",
        ],
        ids=["truncated", "empty", "wrong-namespace", "no-object"],
    )
    def test_documents_that_are_not_components_are_refused(self, xml: bytes) -> None:
        with pytest.raises(ComponentXmlError):
            strip_secrets(xml)


@pytest.mark.parametrize(
    ("body", "secret"),
    [
        # Compound names end in a secret word.
        ('<MailSettings smtpPassword="cnry-smtp-pw"/>', "cnry-smtp-pw"),
        ('<DbSettings db_secret="cnry-db-secret"/>', "cnry-db-secret"),
        (
            '<headers><header headerFieldName="Proxy-Authorization" headerValue="Basic cnry"/>'
            "</headers>",
            "Basic cnry",
        ),
        # A property typed as a password, whatever it is called.
        (
            '<DefinedProcessProperty name="signing" type="password">'
            "<defaultValue>cnry-typed-pw</defaultValue></DefinedProcessProperty>",
            "cnry-typed-pw",
        ),
        # Credentials recognised by their shape, under names that say nothing.
        ('<QueueSettings brokerUrl="amqp://svc:cnry-url-pw@broker.internal:5672"/>', "cnry-url-pw"),
        (
            '<field id="dataSource" value="Server=db;User Id=svc;Password=cnry-conn-pw;"/>',
            "cnry-conn-pw",
        ),
        (
            "<keyData>-----BEGIN PRIVATE KEY-----\nMIIcnrykey\n-----END PRIVATE KEY-----</keyData>",
            "MIIcnrykey",
        ),
    ],
)
def test_secrets_are_found_by_name_suffix_password_type_and_credential_shape(
    body: str, secret: str
) -> None:
    result = strip_secrets(component("connector-settings", f"<Settings>{body}</Settings>"))

    assert secret.encode() not in result.xml
    assert result.stripped, "the stripped value is reported"


def test_a_credential_written_in_script_code_is_not_emptied_but_blocks() -> None:
    # Emptying code would break the script: the promotion is refused with the line instead.
    code = 'def url = "https://svc:pw-0042@host"'
    body = f"<ProcessingScript><script>{code}</script></ProcessingScript>"
    xml = component("script.processing", body)

    result = strip_secrets(xml)

    assert b"https://svc:pw-0042@host" in result.xml
    assert find_blocking_secrets(xml) == [
        SecretFinding("/ProcessingScript/script line 1", ValueKind.URL_CREDENTIALS)
    ]
