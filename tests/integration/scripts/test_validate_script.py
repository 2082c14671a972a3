"""Q validateScript over HTTP: what the map-extension editor sees when it checks a script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.service import DemoService
from tests.unit.scripts.samples import GROOVY_DYNAMIC_PROPERTIES, JAVASCRIPT_MAP_FUNCTION

ALICE = "alice@example.com"  # CONTRIBUTOR
CAROL = "carol@example.com"  # ADMIN
OLIVIA = "olivia@example.com"  # READONLY


async def checked(service: DemoService, email: str, **body: Any) -> dict[str, Any]:
    response = await service.call(email, "validateScript", body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert result["success"] is True
    return result


async def test_forbidden_groovy_apis_come_back_as_security_errors(
    demo_service: DemoService,
) -> None:
    script = (
        "// housekeeping\n"
        'Runtime.getRuntime().exec("ls")\n'
        'def passwd = new File("/etc/passwd").text\n'
        'def k = Class.forName("x")\n'
    )

    result = await checked(
        demo_service,
        ALICE,
        scriptContent=script,
        language="groovy",
        functionName="FormatName",
        clientAccountId="client-1",
        environmentId="env-test",
        mapExtensionId="mapext-1",
    )

    assert result["isValid"] is False
    assert result["language"] == "groovy"
    assert result["functionName"] == "FormatName"
    assert [(e["type"], e["line"], e["column"]) for e in result["errors"]] == [
        ("SECURITY", 2, 1),
        ("SECURITY", 3, 18),
        ("SECURITY", 4, 15),
    ]
    messages = [e["message"] for e in result["errors"]]
    assert messages[0].startswith("Runtime.getRuntime is not allowed")
    assert messages[1].startswith("File is not allowed")
    assert messages[2].startswith("Class.forName is not allowed")
    assert result["warningCount"] == 0
    validated_at = datetime.fromisoformat(result["validatedAt"])
    assert abs(datetime.now(UTC) - validated_at) < timedelta(minutes=1)


async def test_javascript_eval_is_a_security_error(demo_service: DemoService) -> None:
    result = await checked(
        demo_service,
        ALICE,
        scriptContent='output1 = eval(input1 + "* 2");\n',
        language="JavaScript",
    )

    assert result["isValid"] is False
    assert result["language"] == "javascript"
    (error,) = result["errors"]
    assert (error["type"], error["line"], error["column"]) == ("SECURITY", 1, 11)
    assert error["message"].startswith("eval is not allowed")


async def test_a_missing_brace_is_a_syntax_error_with_its_line(demo_service: DemoService) -> None:
    script = (
        "for (int i = 0; i < dataContext.getDataCount(); i++) {\n"
        "    def props = dataContext.getProperties(i)\n"
        "    if (props.getProperty('document.dynamic.userdefined.SKIP') != 'Y') {\n"
        "        dataContext.storeStream(dataContext.getStream(i), props)\n"
        "}\n"
    )

    result = await checked(demo_service, ALICE, scriptContent=script, language="groovy2")

    assert result["isValid"] is False
    (error,) = result["errors"]
    assert (error["type"], error["line"], error["column"]) == ("SYNTAX", 1, 54)
    assert error["message"].startswith("missing '}'")


async def test_ordinary_scripts_pass(demo_service: DemoService) -> None:
    groovy = await checked(
        demo_service, CAROL, scriptContent=GROOVY_DYNAMIC_PROPERTIES, language="groovy"
    )
    javascript = await checked(
        demo_service, ALICE, scriptContent=JAVASCRIPT_MAP_FUNCTION, language="javascript"
    )

    for result in (groovy, javascript):
        assert result["isValid"] is True
        assert result["errors"] == []
        assert result["warningCount"] == 0


async def test_leading_blank_lines_keep_their_line_numbers(demo_service: DemoService) -> None:
    result = await checked(
        demo_service, ALICE, scriptContent="\n\n  \n    eval('1')\n", language="javascript"
    )

    (error,) = result["errors"]
    assert (error["line"], error["column"]) == (4, 5)


async def test_a_mention_in_a_comment_or_string_is_not_flagged(demo_service: DemoService) -> None:
    script = '// do not call Runtime.getRuntime() here\noutput1 = "Runtime: " + input1\n'

    result = await checked(demo_service, ALICE, scriptContent=script, language="groovy")

    assert result["isValid"] is True
    assert result["errors"] == []


async def test_documents_read_and_never_stored_are_a_warning(demo_service: DemoService) -> None:
    script = "for (int i = 0; i < dataContext.getDataCount(); i++) {\n    def s = 1\n}\n"

    result = await checked(demo_service, ALICE, scriptContent=script, language="groovy")

    assert result["isValid"] is True
    assert result["warningCount"] == 1
    (warning,) = result["warnings"]
    assert (warning["type"], warning["line"]) == ("USAGE", 1)


async def test_a_script_over_10_kb_is_refused(demo_service: DemoService) -> None:
    script = "x = 1\n" * 1707  # 10 242 bytes

    response = await demo_service.call(
        ALICE, "validateScript", {"scriptContent": script, "language": "groovy"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False
    assert body["errorCode"] == "SCRIPT_TOO_LARGE"
    assert body["errorField"] == "scriptContent"
    assert (body["sizeBytes"], body["maxBytes"]) == (10242, 10240)

    at_limit = await demo_service.call(
        ALICE, "validateScript", {"scriptContent": script[:10240], "language": "groovy"}
    )
    assert at_limit.status_code == 200, at_limit.text


async def test_an_empty_script_is_refused(demo_service: DemoService) -> None:
    response = await demo_service.call(
        ALICE, "validateScript", {"scriptContent": "  \n", "language": "javascript"}
    )

    assert response.status_code == 422
    assert response.json()["errorCode"] == "SCRIPT_EMPTY"


async def test_an_unknown_language_is_refused_naming_the_field(demo_service: DemoService) -> None:
    response = await demo_service.call(
        ALICE, "validateScript", {"scriptContent": "x = 1", "language": "python"}
    )

    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "INVALID_REQUEST"
    assert body["errorField"] == "language"


async def test_readonly_users_cannot_validate_scripts(demo_service: DemoService) -> None:
    response = await demo_service.call(
        OLIVIA, "validateScript", {"scriptContent": "x = 1", "language": "groovy"}
    )

    assert response.status_code == 403
    assert response.json()["errorCode"] == "INSUFFICIENT_TIER"


async def test_identity_fields_must_name_the_caller(demo_service: DemoService) -> None:
    response = await demo_service.call(
        ALICE,
        "validateScript",
        {"scriptContent": "x = 1", "language": "groovy", "userEmail": "bob@example.com"},
    )

    assert response.status_code == 403
    assert response.json()["errorCode"] == "IDENTITY_MISMATCH"
