"""Helpers for the Boomi client tests: a scripted fake Boomi behind httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from boomi_promo.boomi import BoomiClient, RateLimiter

API_TOKEN = "tok-SECRET-3f9a1c"
USERNAME = "svc-promo@example.com"
PRIMARY = "primary-A1B2C3"
ROOT = f"https://boomi.test/partner/api/rest/v1/{PRIMARY}"

Answer = httpx.Response | type[httpx.RequestError] | Callable[[httpx.Request], httpx.Response]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def xml_response(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"Content-Type": "application/xml"})


def boomi_error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return json_response(status, {"@type": "Error", "message": message}, headers)


class ScriptedBoomi:
    """Answers requests in order from a script; the last answer repeats. Records requests."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, httpx.Response):
            return answer
        if isinstance(answer, type):
            raise answer("simulated failure", request=request)
        return answer(request)

    def body_json(self, index: int) -> Any:
        return json.loads(self.requests[index].content)


class FakeSleep:
    """Records requested waits instead of waiting; optionally advances a fake clock."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.waits: list[float] = []
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.clock is not None:
            self.clock.now += seconds


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class RecordingLimiter:
    """A limiter that never waits and remembers the key of every acquire."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def acquire(self, key: str) -> float:
        self.keys.append(key)
        return 0.0


def make_client(
    boomi: ScriptedBoomi,
    *,
    sleep: FakeSleep | None = None,
    limiter: RateLimiter | None = None,
    **options: Any,
) -> BoomiClient:
    # The middle of the jitter range: waits are exactly 1 s, 2 s, 4 s, ... unless a test
    # passes its own jitter.
    options.setdefault("jitter", lambda: 0.5)
    return BoomiClient(
        base_url="https://boomi.test/",
        account_id=PRIMARY,
        username=USERNAME,
        api_token=API_TOKEN,
        limiter=limiter,
        transport=httpx.MockTransport(boomi),
        sleep=sleep or FakeSleep(),
        **options,
    )


COMPONENT_ID = "5f0c6a8e-1b7d-4d8a-9c33-2f1e0b7a9d41"
CONNECTION_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
OPERATION_ID = "0e9d8c7b-6a59-4837-a261-5f4e3d2c1b0a"
BRANCH_ID = "Qjo0Mg"
FOLDER_ID = "RjozMDk2OQ"

PROCESS_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<bns:Component xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:bns="http://api.platform.boomi.com/"
    folderFullPath="DevTeamA/Orders" componentId="{COMPONENT_ID}" version="7"
    name="Orders - Sync to ERP" type="process" createdDate="2025-01-15T10:00:00Z"
    createdBy="alice@example.com" modifiedDate="2025-03-02T08:30:00Z"
    modifiedBy="alice@example.com" deleted="false" currentVersion="true"
    folderName="Orders" folderId="RjoxMTE" branchName="main" branchId="Qjox">
  <bns:encryptedValues/>
  <bns:description>Pulls new orders and posts them to the ERP</bns:description>
  <bns:object>
    <process xmlns="" allowSimultaneous="false" enableUserLog="false" workload="general">
      <shapes>
        <shape image="start" name="shape1" shapetype="start" x="96.0" y="94.0">
          <configuration><noaction/></configuration>
          <dragpoints>
            <dragpoint name="shape1.dragpoint1" toShape="shape2" x="240.0" y="120.0"/>
          </dragpoints>
        </shape>
        <shape image="connectoraction_icon" name="shape2" shapetype="connectoraction"
            x="256.0" y="112.0">
          <configuration>
            <connectoraction actionType="Send" connectionId="{CONNECTION_ID}" connectorType="http"
                operationId="{OPERATION_ID}"/>
          </configuration>
          <dragpoints/>
        </shape>
      </shapes>
    </process>
  </bns:object>
  <bns:processOverrides/>
</bns:Component>
""".encode()
