"""The dev teams' connections, with secrets in every form, and their shared production twins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from boomi_promo.emulator.records import EncryptedValue
from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.world import PRIMARY_ACCOUNT_ID, TEAM_A_ID


@dataclass
class DevConnections:
    http: str
    database: str
    sftp: str
    mail: str


def write_dev_connections(seeder: Seeder, at: datetime) -> DevConnections:
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
    return DevConnections(http, database, sftp, mail)


def http_settings(url: str, user: str, password: str) -> str:
    return (
        f'<HttpSettings xmlns="" authenticationType="BASIC" url="{url}">'
        f'<AuthSettings user="{user}" password="{password}"/></HttpSettings>'
    )


def shared_prod_connections(seeder: Seeder, at: datetime) -> dict[str, str]:
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
