"""Which names name a credential: element and attribute names, field ids, keys and labels.

A name is split into words at separators (``_ . - / :`` and spaces) and at camelCase and digit
boundaries (``secretAccessKey`` → ``secret access key``, ``X-API-Key`` → ``x api key``), so
that the rule can look at *words*: ``passthrough``, ``tokenizer`` and ``keyField`` hold no
credential word, while ``db_pass``, ``hmacKey`` and ``apiKeyValue`` do. A name is a secret name
when, once trailing words that only say "the value of" are dropped (``value``, ``data``,
``b64`` …, see :data:`VALUE_TAILS`):

* it is one of :data:`SECRET_NAMES` (``credentials``, ``clientCertificate``, ``keyStore`` …);
* its last word is a credential word (:data:`SECRET_WORDS`: ``password``, ``pwd``,
  ``passphrase``, ``secret``, ``token`` …), or ``pass`` not used as in ``byPass`` or
  ``firstPass``, and not a pagination token (``nextPageToken``);
* it does not start with a verb that makes it a flag (``allowDynamicCredentials``,
  ``usePassword``: :data:`FLAG_VERBS`);
* its last word is ``key`` and the word before says what kind (:data:`KEY_QUALIFIERS`:
  ``api``, ``access``, ``signing``, ``hmac``, ``sas`` …), so ``primaryKey``, ``sortKey`` and
  ``keyField`` are not secrets;
* written without case or separators (``dbpassword``, ``xapikey``), it ends in one of
  :data:`SECRET_SUFFIXES`.

Everything here is a pure function of the name; the tables are the rule.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s_.\-/:]+")
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


_NORMALISE = re.compile(r"[_.\-\s]")


@lru_cache(maxsize=8192)
def normalise_name(name: str) -> str:
    """``apiKey``, ``api_key`` and ``API-Key`` all become ``apikey``."""
    return _NORMALISE.sub("", name).casefold()


def name_words(name: str) -> tuple[str, ...]:
    """``secretAccessKey`` → ``("secret", "access", "key")``; ``jdbc.password`` →
    ``("jdbc", "password")``; ``OAuth2Token`` → ``("o", "auth", "2", "token")``."""
    words: list[str] = []
    for part in _SEPARATORS.split(name):
        words.extend(word.casefold() for word in _WORDS.findall(part))
    return tuple(words)


def _set(*names: str) -> frozenset[str]:
    return frozenset(normalise_name(name) for name in names)


VALUE_TAILS = _set(
    "value", "val", "data", "string", "str", "text", "b64", "base64", "hex", "pem", "der",
    "raw", "plain", "plaintext", "enc", "encrypted", "encoded", "bytes", "content",
)  # fmt: skip
"""Trailing words that say "the value of" the name before them (``apiKeyValue``)."""

SECRET_WORDS = _set(
    "password", "passwd", "pwd", "pw", "passphrase", "passcode", "passkey", "secret",
    "secrets", "credential", "credentials", "token", "authorization", "cookie",
    "apikey", "privatekey", "secretkey", "sharedkey", "saskey", "hmackey",
)  # fmt: skip
"""A name whose last word is one of these is a credential (``smtpPassword``, ``db_secret``)."""

KEY_QUALIFIERS = _set(
    "api", "access", "secret", "private", "signing", "sign", "signature", "encryption",
    "encrypt", "decryption", "decrypt", "hmac", "sas", "account", "shared", "master",
    "client", "subscription", "auth", "session", "app", "application", "storage", "service",
    "symmetric", "aes", "ssh", "crypto", "cipher", "mac", "webhook", "license", "bot",
    "integration", "developer",
)  # fmt: skip
"""``…Key`` is a credential when the word before ``key`` is one of these (``hmacKey``)."""

PASS_NOT_SECRET_AFTER = _set(
    "by", "sur", "over", "under", "com", "first", "second", "third", "last", "next", "final",
    "single", "multi", "one", "two", "double", "each", "pre", "post", "boarding", "tres",
)  # fmt: skip
"""``pass`` is a password unless it follows one of these (``byPass``, ``firstPass``)."""

TOKEN_NOT_SECRET_AFTER = _set(
    "page", "next", "continuation", "cursor", "sync", "resume", "paging", "delimiter", "sort",
)  # fmt: skip
"""Pagination and parsing tokens (``nextPageToken``) are positions, not credentials."""

FLAG_VERBS = _set(
    "allow", "use", "uses", "enable", "enabled", "disable", "require", "requires", "required",
    "has", "is", "include", "show", "hide", "mask", "save", "remember", "validate", "verify",
    "prompt", "no", "skip",
)  # fmt: skip
"""A name that starts with one of these says how to treat a credential, not what it is
(``allowDynamicCredentials``, ``usePassword``, ``requireToken``): a flag, not a value."""

SECRET_NAMES = _set(
    "credentials", "credential", "clientCertificate", "clientCert", "keyStore", "pfx", "p12",
    "connectionString", "jdbcUrl", "EncryptedValue", "sharedAccessSignature", "sasToken",
    "authHeader", "basicAuthPassword", "otpSeed", "totpSeed", "mfaSeed",
)  # fmt: skip
"""Whole names that are credentials whatever their words say."""

SECRET_SUFFIXES = tuple(
    sorted(
        _set(
            "password", "passwd", "pwd", "passphrase", "passcode", "secret", "credentials",
            "credential", "token", "authorization", "apikey", "privatekey", "secretkey",
            "accesskey", "signingkey", "encryptionkey", "hmackey", "saskey", "sharedkey",
            "accountkey", "masterkey", "subscriptionkey", "sessionkey", "clientcertificate",
        )
    )
)  # fmt: skip
"""For names written without case or separators (``dbpassword``, ``xapikey``)."""

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|['\"]")
_TOKEN_EXCEPTIONS = tuple(f"{word}token" for word in sorted(TOKEN_NOT_SECRET_AFTER))
_PASS_EXCEPTIONS = tuple(f"{word}pass" for word in sorted(PASS_NOT_SECRET_AFTER))


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether ``name`` (as written: case and separators matter) names a credential."""
    words = list(name_words(name))
    if "".join(words) in SECRET_NAMES:
        return True
    while len(words) > 1 and words[-1] in VALUE_TAILS:
        words.pop()
    if not words:
        return False
    joined = "".join(words)
    if joined in SECRET_NAMES:
        return True
    if len(words) > 1 and words[0] in FLAG_VERBS:
        return False
    last, before = words[-1], words[-2] if len(words) > 1 else ""
    if last == "token":
        return before not in TOKEN_NOT_SECRET_AFTER
    if last == "pass":
        return before not in PASS_NOT_SECRET_AFTER
    if last in SECRET_WORDS:
        return True
    if last == "key":
        return before in KEY_QUALIFIERS
    # Written without case or separators: ``smtppassword``, ``xapikey``, ``PassPhrase``.
    if joined.endswith(SECRET_SUFFIXES):
        return not joined.endswith(_TOKEN_EXCEPTIONS)
    return len(words) == 1 and joined.endswith("pass") and not joined.endswith(_PASS_EXCEPTIONS)


@lru_cache(maxsize=4096)
def names_a_secret(label: str) -> bool:
    """Whether a free-text label (``DB Password``, ``Signing key (HMAC)``) names a credential:
    the label as a name, or its last words as one (``"Password for the SFTP server"`` is not
    one — it describes, the value is elsewhere)."""
    cleaned = _BRACKETED.sub(" ", label).strip()
    return bool(cleaned) and is_secret_name(cleaned)
