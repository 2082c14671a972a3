from __future__ import annotations

import pytest

from boomi_promo.boomi import (
    BoomiAuthError,
    BoomiBadRequestError,
    BoomiError,
    BoomiForbiddenError,
    BoomiHTTPError,
    BoomiNotFoundError,
    BoomiRateLimitedError,
    BoomiResponseError,
    BoomiTimeoutError,
    BoomiTransportError,
    BoomiUnavailableError,
)
from boomi_promo.boomi.errors import http_error_class, parse_error_message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"@type": "Error", "message": "Branch limit reached"}', "Branch limit reached"),
        (b'{"@type":"Error","statusCode":403,"errorMessage":"Access denied"}', "Access denied"),
        (b"<error><message>Invalid componentId</message></error>", "Invalid componentId"),
        (
            b'<bns:Error xmlns:bns="http://api.platform.boomi.com/"><bns:statusCode>400'
            b"</bns:statusCode><bns:errorMessage>Bad filter</bns:errorMessage></bns:Error>",
            "Bad filter",
        ),
        (b"Service temporarily unavailable\n", "Service temporarily unavailable"),
        (b"", None),
        (b'{"@type": "Error"}', None),
        (b"<html><body>Bad gateway<br></body></html>", None),
    ],
)
def test_boomi_messages_are_found_in_every_error_body_form(
    body: bytes, message: str | None
) -> None:
    assert parse_error_message(body) == message


def test_error_bodies_with_entities_are_not_expanded() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<error><message>&x;</message></error>"
    )
    assert parse_error_message(body) is None


def test_long_messages_are_shortened() -> None:
    message = parse_error_message(b'{"message": "' + b"x" * 5000 + b'"}')
    assert message is not None
    assert len(message) == 500
    assert message.endswith("…")


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BoomiBadRequestError),
        (401, BoomiAuthError),
        (403, BoomiForbiddenError),
        (404, BoomiNotFoundError),
        (410, BoomiBadRequestError),
        (429, BoomiRateLimitedError),
        (500, BoomiUnavailableError),
        (503, BoomiUnavailableError),
    ],
)
def test_status_codes_map_to_error_classes(status: int, error_class: type[BoomiHTTPError]) -> None:
    assert http_error_class(status) is error_class


@pytest.mark.parametrize(
    ("error_class", "error_code", "http_status"),
    [
        (BoomiAuthError, "AUTH_FAILED", 502),
        (BoomiForbiddenError, "BOOMI_FORBIDDEN", 502),
        (BoomiNotFoundError, "BOOMI_NOT_FOUND", 404),
        (BoomiBadRequestError, "BOOMI_BAD_REQUEST", 502),
        (BoomiRateLimitedError, "API_RATE_LIMIT", 503),
        (BoomiUnavailableError, "BOOMI_UNAVAILABLE", 503),
        (BoomiTransportError, "BOOMI_UNAVAILABLE", 503),
        (BoomiTimeoutError, "BOOMI_UNAVAILABLE", 504),
        (BoomiResponseError, "BOOMI_BAD_RESPONSE", 502),
    ],
)
def test_each_error_names_the_product_code_and_status(
    error_class: type[BoomiError], error_code: str, http_status: int
) -> None:
    assert issubclass(error_class, BoomiError)
    assert (error_class.error_code, error_class.http_status) == (error_code, http_status)


def test_errors_carry_the_call_that_failed() -> None:
    error = BoomiNotFoundError(
        "Boomi GET /Branch/Qjo1 answered HTTP 404 Not Found",
        method="GET",
        path="/Branch/Qjo1",
        status_code=404,
        attempts=1,
        boomi_message="not found",
    )
    assert str(error) == "Boomi GET /Branch/Qjo1 answered HTTP 404 Not Found"
    assert (error.method, error.path, error.status_code, error.attempts) == (
        "GET",
        "/Branch/Qjo1",
        404,
        1,
    )
    assert isinstance(error, BoomiHTTPError)
