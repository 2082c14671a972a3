"""Client Co: environments with every extension section populated, and map extensions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from boomi_promo.emulator.records import (
    CrossReferenceExtension,
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
)
from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.world import (
    CLIENT_ID,
    CLIENT_NAME,
    PRIMARY_ACCOUNT_ID,
    TEAM_A_ID,
    ClientAccount,
    PriorPromotion,
    PromotedComponent,
)
from boomi_promo.emulator.state.world import EmulatorState


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


def seed_client_account(
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
