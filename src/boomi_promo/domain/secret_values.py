"""Values that are credentials whatever their field is called.

Two sets of detectors look at a value: the maintained ones of ``detect-secrets`` (private keys,
AWS and Azure keys, JWTs, Basic-auth URLs, service tokens such as GitHub's, Slack's or
Stripe's, and its keyword and high-entropy rules), and this module's own rules for what Boomi
components carry: credentials in URLs (a password in the userinfo, or a query parameter such
as ``access_token``, ``api_key`` or ``sig``), connection strings (``Password=``,
``AccountKey=``, ``SharedAccessKey=``), ``Authorization`` values (``Bearer …``, ``Basic …``)
and, in script code, string literals given to a secret-named variable or key.

The plugins are used as classes (their patterns and ``analyze_string``; the keyword plugin's
pattern tables, with this product's name rule deciding what its matches assign to), never
through ``detect_secrets``'s global settings (``transient_settings`` swaps a process-wide
singleton, which concurrent promotions would race on) and never with verification (which
calls the services).

Each hit says what kind of credential it is and whether it is *standalone*: the value is that
credential and nothing else (an absolute URL, a connection string, a key block, a token), so
emptying it loses nothing but the credential. A hit is *certain* when its detector recognises
a credential's shape; the keyword and entropy rules are not: they find likely secrets, and a
likely secret is shown for review rather than silently emptied.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import (
    CONFIG_DENYLIST_REGEX_TO_GROUP,
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
)
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from boomi_promo.domain.secret_names import is_secret_name, normalise_name


class ValueKind(StrEnum):
    """What kind of credential a value is (shown to people: never the value)."""

    URL_CREDENTIALS = "url-credentials"
    CONNECTION_STRING = "connection-string"
    AUTHORIZATION = "authorization-value"
    PRIVATE_KEY = "private-key"
    CLOUD_KEY = "cloud-key"
    SERVICE_TOKEN = "service-token"  # noqa: S105 - a kind's name, not a credential
    JWT = "jwt"
    SECRET_ASSIGNMENT = "secret-assignment"  # noqa: S105 - a kind's name
    HIGH_ENTROPY = "high-entropy-string"

    @property
    def certain(self) -> bool:
        """Recognised by its shape; the others are likely secrets, shown for review."""
        return self not in (ValueKind.SECRET_ASSIGNMENT, ValueKind.HIGH_ENTROPY)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ValueKind.URL_CREDENTIALS: "credentials in a URL",
    ValueKind.CONNECTION_STRING: "credentials in a connection string",
    ValueKind.AUTHORIZATION: "an Authorization header value",
    ValueKind.PRIVATE_KEY: "a private key",
    ValueKind.CLOUD_KEY: "a cloud access key",
    ValueKind.SERVICE_TOKEN: "a service API token",
    ValueKind.JWT: "a JSON Web Token",
    ValueKind.SECRET_ASSIGNMENT: "a value given to a secret-named variable or key",
    ValueKind.HIGH_ENTROPY: "a long random-looking string",
}


@dataclass(frozen=True, slots=True)
class ValueHit:
    kind: ValueKind
    standalone: bool
    """The value is this credential and nothing else: emptying it loses only the credential."""


@dataclass(frozen=True, slots=True, order=True)
class CodeHit:
    line: int
    """1-based, in the script's text."""
    kind: ValueKind


MIN_VALUE_LENGTH = 8
"""Shorter values are not looked at by shape: too short to be told from ordinary text."""

MIN_SHAPE_LENGTH = 20
"""Shorter values are not matched against key and token shapes: none is that short."""

MAX_ENTROPY_TOKEN = 200
"""Longer random-looking runs are encoded documents (a certificate, an image), not secrets a
detector can tell from them by entropy; named places and key blocks still catch keys."""
MIN_ENTROPY_TOKEN = 20

SECRET_PARAMETERS = frozenset(
    normalise_name(name)
    for name in (
        "sig", "signature", "X-Amz-Signature", "X-Goog-Signature", "auth", "access_token",
        "id_token", "api_key", "apikey", "key_secret", "client_secret", "sv_sig", "hmac",
    )
)  # fmt: skip
"""Query and connection-string parameters that carry a credential besides secret names."""

_PLACEHOLDER = re.compile(
    r"^(?:\$\{[^}]*\}|\{\{[^}]*\}\}|%[\w.\-]+%|\{[\w.\-]+\}|<[^>]*>|\*+|•+|\?|\$[A-Za-z_][\w.]*)$"
)
"""A reference to a value kept elsewhere (``${db.password}``, ``{1}``, ``%PASSWORD%``) or a
masked one (``****``): not a secret itself."""

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_URL = re.compile(
    r"(?P<url>(?:[A-Za-z][A-Za-z0-9+.\-]*:)+//[^\s\"'<>`]+)"
    r"|(?:(?<![\w/.:])(?P<path>/[^\s\"'<>`?]*\?[^\s\"'<>`]+))"
)
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-:]*://(?P<user>[^/@\s:]*):(?P<password>[^/@\s]+)@")
_PARAMETER = re.compile(r"(?:^|[?&;\s])(?P<key>[A-Za-z_][\w.\- ]*?)\s*=\s*(?P<value>[^&;\s]*)")
_CONNECTION_STRING = re.compile(r"^\s*(?:[A-Za-z][\w .\-]*=[^;]*;)*[A-Za-z][\w .\-]*=[^;]*;?\s*$")
_SCHEMES = r"bearer|basic|digest|token|hmac|aws4-hmac-sha256|negotiate|ntlm|sharedaccesssignature"
_AUTHORIZATION = re.compile(
    rf"(?P<header>\bauthorization\s*[:=]\s*)?\b(?P<scheme>{_SCHEMES})\s+(?P<token>[A-Za-z0-9\-._~+/]+=*)",
    re.IGNORECASE,
)
_SCHEME_PREFIX = re.compile(rf"^\s*(?:authorization\s*[:=]\s*)?(?:{_SCHEMES})\s+", re.IGNORECASE)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d|"
    r"BEGIN SSH2 ENCRYPTED PRIVATE KEY"
)
_KEY_BLOCK = re.compile(
    r"^\s*(?:-----BEGIN [A-Z0-9 ]+-----.*-----END [A-Z0-9 ]+-----|PuTTY-User-Key-File-\d.*)\s*$",
    re.DOTALL,
)
_JWT_TAIL = re.compile(r"[A-Za-z0-9\-_=.+/]+")
_GOOGLE_API_KEY = re.compile(r"\bAIza[0-9A-Za-z\-_]{35}\b")
_ENTROPY_TOKEN = re.compile(rf"[A-Za-z0-9+/=_\-]{{{MIN_ENTROPY_TOKEN},}}")
_CODE_ASSIGNMENT = re.compile(
    r"(?P<name>[A-Za-z_$][\w$]*)[\"'\]]?\s*(?::|=|==|\?=|\|\|=)\s*(?P<q>[\"'`])(?P<value>(?:(?!(?P=q)).)+)(?P=q)"
)
_CODE_PAIR = re.compile(
    r"(?P<q1>[\"'])(?P<name>[^\"'\s]{2,80})(?P=q1)\s*[,:]\s*(?P<q2>[\"'])(?P<value>(?:(?!(?P=q2)).)+)(?P=q2)"
)
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.\-]*")
_ARMORED = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?-----END [A-Z0-9 ]+-----", re.DOTALL)
_BASE64_LINE = re.compile(r"^[A-Za-z0-9+/=]{40,}$")
_QUOTED = re.compile(rf"([\"'`])((?:(?!\1).){{{MIN_VALUE_LENGTH},}}?)\1")

_CLOUD_DETECTORS: Final[tuple[RegexBasedDetector, ...]] = (
    AWSKeyDetector(),
    AzureStorageKeyDetector(),
    IbmCloudIamDetector(),
    IbmCosHmacDetector(),
    SoftlayerDetector(),
    CloudantDetector(),
)
_TOKEN_DETECTORS: Final[tuple[RegexBasedDetector, ...]] = (
    GitHubTokenDetector(),
    GitLabTokenDetector(),
    SlackDetector(),
    StripeDetector(),
    TwilioKeyDetector(),
    SendGridDetector(),
    OpenAIDetector(),
    PypiTokenDetector(),
    NpmDetector(),
    MailchimpDetector(),
    ArtifactoryDetector(),
    SquareOAuthDetector(),
    TelegramBotTokenDetector(),
    DiscordBotTokenDetector(),
)
_JWT = JwtTokenDetector()
_PRIVATE_KEYS = PrivateKeyDetector()
_BASIC_AUTH = BasicAuthDetector()
_ENTROPY = Base64HighEntropyString()


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value.strip()))


def detect_values(text: str) -> list[ValueHit]:
    """The credentials ``text`` (an attribute value or an element's text) carries, by shape."""
    stripped = text.strip()
    if len(stripped) < MIN_VALUE_LENGTH or _GUID.fullmatch(stripped):
        return []
    hits: dict[ValueKind, bool] = {}

    def hit(kind: ValueKind, standalone: bool) -> None:
        hits[kind] = hits.get(kind, False) or standalone

    for kind, standalone in _url_hits(stripped):
        hit(kind, standalone)
    if _connection_string_credential(stripped):
        hit(ValueKind.CONNECTION_STRING, bool(_CONNECTION_STRING.match(stripped)))
    if _authorization(stripped):
        hit(ValueKind.AUTHORIZATION, bool(_is_single_token(_SCHEME_PREFIX.sub("", stripped))))
    if _PRIVATE_KEY.search(stripped) or any(_PRIVATE_KEYS.analyze_string(stripped)):
        hit(ValueKind.PRIVATE_KEY, bool(_KEY_BLOCK.match(stripped)))
    bare = _SCHEME_PREFIX.sub("", stripped).strip()
    shaped = len(stripped) >= MIN_SHAPE_LENGTH
    for kind, found in _shape_hits(stripped) if shaped else []:
        hit(kind, _is_single_token(bare) and found in bare and 2 * len(found) >= len(bare))
    if not hits and _keyword_hit(stripped, code=False):
        hit(ValueKind.SECRET_ASSIGNMENT, False)
    if not hits:
        for token in _entropy_tokens(stripped):
            hit(ValueKind.HIGH_ENTROPY, token == bare)
    return [ValueHit(kind, standalone) for kind, standalone in hits.items()]


def detect_in_code(source: str) -> list[CodeHit]:
    """The credentials written in script code, by line: literals of secret-named variables
    and keys, and string literals that are credentials by shape."""
    found: set[CodeHit] = set()
    for number, line in enumerate(source.splitlines(), start=1):
        if len(line.strip()) < MIN_VALUE_LENGTH:
            continue
        if _PRIVATE_KEY.search(line):
            found.add(CodeHit(number, ValueKind.PRIVATE_KEY))
        if _code_assignment(line) or _keyword_hit(line, code=True):
            found.add(CodeHit(number, ValueKind.SECRET_ASSIGNMENT))
        for literal in (match.group(2) for match in _QUOTED.finditer(line)):
            for hit in detect_values(literal):
                found.add(CodeHit(number, hit.kind))
    return sorted(found)


def _url_hits(text: str) -> list[tuple[ValueKind, bool]]:
    if ";" in text and _CONNECTION_STRING.match(text):
        return []  # Endpoint=sb://…;SharedAccessKey=…: a connection string, read as one
    hits: list[tuple[ValueKind, bool]] = []
    for match in _URL.finditer(text):
        url = match.group("url") or match.group("path") or ""
        userinfo = _USERINFO.match(url)
        credential = bool(userinfo) and not is_placeholder(
            userinfo.group("password") if userinfo else ""
        )
        if not credential:
            query = url.split("?", 1)[1] if "?" in url else ""
            # jdbc:sqlserver://host;password=… carries its parameters after semicolons.
            parameters = query + ";" + ";".join(url.split(";")[1:])
            credential = any(_secret_parameter(m) for m in _PARAMETER.finditer(parameters))
        if credential:
            absolute = match.group("url") is not None
            hits.append((ValueKind.URL_CREDENTIALS, absolute and text == url))
    if not hits and any(not is_placeholder(p) for p in _BASIC_AUTH.analyze_string(text)):
        hits.append((ValueKind.URL_CREDENTIALS, _is_single_token(text)))
    return hits


def _secret_parameter(match: re.Match[str]) -> bool:
    return _secret_parameter_value(match.group("key"), match.group("value"))


def _secret_parameter_value(key: str, value: str) -> bool:
    key, value = key.strip(), value.strip()
    if not value or is_placeholder(value):
        return False
    return is_secret_name(key) or normalise_name(key) in SECRET_PARAMETERS


def _connection_string_credential(text: str) -> bool:
    if "=" not in text or _URL.fullmatch(text):
        return False
    if ";" in text and _CONNECTION_STRING.match(text):
        segments = (segment.partition("=") for segment in text.split(";"))
        return any(
            _secret_parameter_value(key, value) for key, separator, value in segments if separator
        )
    without_urls = _URL.sub(" ", text)
    return any(_secret_parameter(m) for m in _PARAMETER.finditer(without_urls))


def _authorization(text: str) -> bool:
    for match in _AUTHORIZATION.finditer(text):
        token, scheme = match.group("token"), match.group("scheme").lower()
        if is_placeholder(token):
            continue
        if match.group("header"):
            return len(token) >= 4
        if scheme == "basic":
            if _decodes_to_credentials(token):
                return True
        elif len(token) >= 12 and any(ch.isdigit() for ch in token):
            return True
    return False


def _decodes_to_credentials(token: str) -> bool:
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        text = decoded.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return ":" in text and text.isprintable()


def _shape_hits(text: str) -> list[tuple[ValueKind, str]]:
    """(kind, the whole match) by the maintained detectors' patterns. Their own
    ``analyze_string`` answers a pattern's first group (``ghp`` of a GitHub token), so the
    patterns are matched here to see how much of the value the credential is."""
    found: list[tuple[ValueKind, str]] = []
    for kind, detectors in (
        (ValueKind.CLOUD_KEY, _CLOUD_DETECTORS),
        (ValueKind.SERVICE_TOKEN, _TOKEN_DETECTORS),
    ):
        for detector in detectors:
            for pattern in detector.denylist:
                found.extend((kind, match.group(0)) for match in pattern.finditer(text))
    found.extend((ValueKind.CLOUD_KEY, m.group(0)) for m in _GOOGLE_API_KEY.finditer(text))
    for token in _JWT.analyze_string(text):
        # The pattern ends lazily: the token runs on to the end of its base64url characters.
        start = text.find(token)
        found.append((ValueKind.JWT, _JWT_TAIL.match(text, start).group(0)))  # type: ignore[union-attr]
    return [(kind, secret) for kind, secret in found if secret]


def _keyword_hit(text: str, *, code: bool) -> bool:
    """detect-secrets' keyword rule (``password = "…"``, ``api_key: …``, ``"…" == pwd``): its
    patterns propose, this module decides. Its scanner's filters are not used, so they are
    applied here: the name assigned to must be a secret name (``secretName = "prod/db"`` is
    not), and a reference or a masked value is not a secret."""
    if not re.search(r"pass|pwd|secret|key|contrase", text, re.IGNORECASE):
        return False
    regexes = QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP if code else CONFIG_DENYLIST_REGEX_TO_GROUP
    for pattern, group in regexes.items():
        for match in pattern.finditer(text):
            candidate = match.group(group) or ""
            value = candidate.strip().split()[0] if candidate.strip() else ""
            start, end = match.span(group)
            around = text[match.start() : start] + " " + text[end : match.end()]
            if not any(is_secret_name(name) for name in _IDENTIFIER.findall(around)):
                continue
            if code:
                if len(value) >= 4 and not is_placeholder(value) and not _looks_like_code(value):
                    return True
            elif _complex(value):
                return True
    return False


def _code_assignment(line: str) -> bool:
    for match in _CODE_ASSIGNMENT.finditer(line):
        if is_secret_name(match.group("name")) and _literal_secret(match.group("value")):
            return True
    for match in _CODE_PAIR.finditer(line):
        if is_secret_name(match.group("name")) and _literal_secret(match.group("value")):
            return True
    return False


def _literal_secret(value: str) -> bool:
    stripped = value.strip()
    return len(stripped) >= 4 and not is_placeholder(stripped) and "${" not in stripped


def _looks_like_code(value: str) -> bool:
    # An expression, not a literal: getProperty(...), props.password, a + b.
    return bool(re.search(r"[()+]", value)) or value.startswith(("$", "{"))


def _complex(value: str) -> bool:
    """A free-text keyword hit counts when the value looks like a password, not a word."""
    if len(value) < 6 or is_placeholder(value) or _looks_like_code(value):
        return False
    classes = sum(
        (
            any(ch.islower() for ch in value),
            any(ch.isupper() for ch in value),
            any(ch.isdigit() for ch in value),
            any(not ch.isalnum() for ch in value),
        )
    )
    return classes >= 2 and not value.isalpha()


def _is_single_token(text: str) -> bool:
    return bool(text.strip()) and not any(ch.isspace() for ch in text.strip())


def _entropy_tokens(text: str) -> list[str]:
    # An armored block left here is public (a certificate, a public key), and lines of base64
    # are an encoded document: neither is told from a secret by entropy.
    text = _ARMORED.sub(" ", text)
    lines = text.splitlines()
    if sum(1 for line in lines if _BASE64_LINE.match(line.strip())) >= 2:
        text = "\n".join(line for line in lines if not _BASE64_LINE.match(line.strip()))
    tokens: list[str] = []
    for match in _ENTROPY_TOKEN.finditer(text):
        token = match.group(0).strip("=-_")
        if _random_looking(token):
            tokens.append(match.group(0))
    return tokens


def _random_looking(token: str) -> bool:
    """Base64-like and random: mixed case with digits, and as varied as random text of its
    length (detect-secrets' entropy measure, its 4.5-bit limit scaled down for short runs)."""
    if not MIN_ENTROPY_TOKEN <= len(token) <= MAX_ENTROPY_TOKEN:
        return False
    if _HEX.fullmatch(token) or _GUID.search(token):
        return False
    letters = [ch for ch in token if ch.isalpha()]
    digits = sum(ch.isdigit() for ch in token)
    if digits < 2 or not letters:
        return False
    upper = sum(ch.isupper() for ch in letters) / len(letters)
    if not 0.15 <= upper <= 0.85:
        return False
    limit = min(_ENTROPY.entropy_limit, math.log2(len(token)) - 0.6)
    return _ENTROPY.calculate_shannon_entropy(token) >= limit
