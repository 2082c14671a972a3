"""A fake OIDC identity provider on 127.0.0.1: a JWKS endpoint and a token endpoint.

It runs ``http.server`` in a thread so the verifier under test talks real HTTP. Tests change
what it publishes (``jwks``), how it answers (``jwks_status``, ``token_answer``) and read what
it was asked (``jwks_requests``, ``token_requests``).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from boomi_promo.config import OidcSettings

ISSUER = "https://login.example.test/tenant-1/v2.0"
AUDIENCE = "api://boomi-promo"
CLIENT_ID = "dashboard-client"
CLIENT_SECRET = "dashboard-secret"


@dataclass
class SigningKey:
    """A private key the fake provider may publish, with the key id and algorithm it signs with."""

    kid: str
    algorithm: str
    private_key: Any

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        jwk: dict[str, Any] = json.loads(algorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(
            claims, self.private_key, algorithm=self.algorithm, headers={"kid": self.kid, **header}
        )


@dataclass
class TokenRequest:
    form: dict[str, str]
    authorization: str


@dataclass
class FakeProvider:
    base_url: str
    jwks: dict[str, Any] = field(default_factory=dict)
    jwks_status: int = 200
    jwks_requests: int = 0
    token_answer: tuple[int, dict[str, Any]] = (500, {})
    token_requests: list[TokenRequest] = field(default_factory=list)

    def publish(self, *keys: SigningKey) -> None:
        self.jwks = {"keys": [key.public_jwk() for key in keys]}

    def settings(self, **overrides: Any) -> OidcSettings:
        values: dict[str, Any] = {
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "jwks_url": f"{self.base_url}/keys",
            "authorize_url": f"{self.base_url}/authorize",
            "token_url": f"{self.base_url}/token",
            "client_id": CLIENT_ID,
            "client_secret": SecretStr(CLIENT_SECRET),
            **overrides,
        }
        return OidcSettings(**values)


def _handler_for(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/keys":
                self._answer(404, {"error": "not_found"})
                return
            provider.jwks_requests += 1
            self._answer(provider.jwks_status, provider.jwks)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            provider.token_requests.append(
                TokenRequest(
                    form={key: values[0] for key, values in form.items()},
                    authorization=self.headers.get("Authorization", ""),
                )
            )
            status, body = provider.token_answer
            self._answer(status, body)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    return Handler


@pytest.fixture(scope="module")
def rsa_key() -> SigningKey:
    return SigningKey("rsa-1", "RS256", rsa.generate_private_key(65537, 2048))


@pytest.fixture(scope="module")
def rotated_key() -> SigningKey:
    return SigningKey("rsa-2", "RS256", rsa.generate_private_key(65537, 2048))


@pytest.fixture(scope="module")
def ec_key() -> SigningKey:
    return SigningKey("ec-1", "ES256", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="module")
def provider_server() -> Iterator[tuple[ThreadingHTTPServer, FakeProvider]]:
    provider = FakeProvider(base_url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(provider))
    provider.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, provider
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def provider(
    provider_server: tuple[ThreadingHTTPServer, FakeProvider],
    rsa_key: SigningKey,
    ec_key: SigningKey,
) -> FakeProvider:
    """The running provider, reset to publish the RSA and EC keys and count from zero."""
    _, fake = provider_server
    fake.publish(rsa_key, ec_key)
    fake.jwks_status = 200
    fake.jwks_requests = 0
    fake.token_answer = (500, {})
    fake.token_requests = []
    return fake


def claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a valid access token for Alice; ``None`` values remove a claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "email": "alice@example.com",
        "name": "Alice Adams",
        "groups": ["ABC_BOOMI_FLOW_CONTRIBUTOR", "ABC_BOOMI_FLOW_DEVTEAMA"],
        **overrides,
    }
    return {key: value for key, value in values.items() if value is not None}


def forge_token(
    header: dict[str, Any], payload: dict[str, Any], sign: Callable[[bytes], bytes]
) -> str:
    """A compact JWT built by hand, signed by ``sign`` over ``header.payload``."""

    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = (
        f"{segment(json.dumps(header).encode())}.{segment(json.dumps(payload).encode())}"
    )
    return f"{signing_input}.{segment(sign(signing_input.encode()))}"
