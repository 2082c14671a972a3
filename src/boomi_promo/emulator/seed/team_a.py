"""Dev Team A: Orders Sync, Invoice Export, and Customer Sync promoted and deployed earlier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.connections import DevConnections
from boomi_promo.emulator.seed.content import (
    Canvas,
    connector_action,
    connector_elements,
    crossref_table,
    generic_operation,
    http_operation,
    map_script_xml,
    process_script_xml,
    profile_db,
    profile_edi,
    profile_flatfile,
    profile_json,
    profile_xml,
    transform_map,
)
from boomi_promo.emulator.seed.world import (
    PRIMARY_ACCOUNT_ID,
    PRIMARY_ACCOUNT_NAME,
    TEAM_A_ID,
    PriorPromotion,
    PromotedComponent,
)


@dataclass
class _OrdersTree:
    process_id: str
    package_id: str


def orders_tree(seeder: Seeder, connections: DevConnections, at: datetime) -> _OrdersTree:
    """Team A "Orders Sync": every promotable component type in one packaged tree."""
    a = seeder.author(TEAM_A_ID, "alice@example.com", at)
    profiles, maps, scripts, ops, routing = (
        f"DevTeamA/Orders/{sub}" for sub in ("Profiles", "Maps", "Scripts", "Operations", "Routing")
    )
    fields = ["orderId", "customerId", "sku", "quantity", "warehouse"]
    json_profile = a.add(profiles, "Order JSON", "profile.json", profile_json("Order", fields))
    xml_profile = a.add(profiles, "Order XML", "profile.xml", profile_xml("Order", fields))
    csv_profile = a.add(profiles, "Order CSV", "profile.flatfile", profile_flatfile(fields))
    edi_profile = a.add(profiles, "X12 850 Purchase Order", "profile.edi", profile_edi())
    db_profile = a.add(
        profiles,
        "Orders DB Select",
        "profile.db",
        profile_db("ORDERS", ["ORDER_ID", "CUSTOMER_ID", "SKU", "QUANTITY"]),
    )
    crossref = a.add(
        "DevTeamA/Orders/Lookups",
        "Warehouse Codes",
        "crossref",
        crossref_table(
            [("W1", "Rotterdam", "EU"), ("W2", "Memphis", "US"), ("W3", "Osaka", "APAC")]
        ),
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
        generic_operation(
            "QUERY",
            {"statement": "SELECT * FROM ORDERS WHERE STATUS = ?", "profile": db_profile},
        ),
        sub_type="db",
    )
    put_file = a.add(
        ops,
        "Upload Order File",
        "connector-action",
        generic_operation(
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
        generic_operation(
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
                "connectoraction", "Upload", connector_elements(connections.sftp, put_file, "sftp")
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


def invoice_tree(seeder: Seeder, connections: DevConnections, at: datetime) -> tuple[str, str]:
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
        generic_operation("PUT", {"remoteDirectory": "/invoices", "profile": csv}),
        sub_type="ftp",
    )
    select = a.add(
        folder,
        "Select Invoices",
        "connector-action",
        generic_operation("QUERY", {"statement": "SELECT * FROM INVOICES"}),
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


def record_prior_promotion(
    seeder: Seeder, connections: DevConnections, prod_connections: dict[str, str], at: datetime
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
