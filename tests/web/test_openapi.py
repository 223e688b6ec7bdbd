"""The generated OpenAPI schema declares how scripts authenticate (a bearer API token) and
the refusals every /api/v1 operation may answer, and the declaration changes nothing about
who is let in."""

from __future__ import annotations

from typing import Any

import pytest

from refwatch.accounts import tokens
from refwatch.domain.roles import Role
from tests.web.conftest import WebEnv

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(web: WebEnv) -> dict[str, Any]:
    answer = web.client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    found = answer.json()
    assert isinstance(found, dict)
    return found


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_the_schema_declares_the_api_token_as_an_http_bearer_scheme(
    schema: dict[str, Any],
) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes == {
        "ApiToken": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rwt_…",
            "description": schemes["ApiToken"]["description"],
        }
    }
    assert "Authorization: Bearer" in schemes["ApiToken"]["description"]


def test_every_api_operation_takes_the_token_and_documents_its_refusals(
    schema: dict[str, Any],
) -> None:
    found = operations(schema)
    assert len(found) >= 10 and all(path.startswith("/api/v1/") for _m, path, _o in found)
    for method, path, operation in found:
        assert operation.get("security") == [{"ApiToken": []}], f"{method} {path}"
        for status in ("401", "403", "404"):
            answer = operation["responses"][status]
            body = answer["content"]["application/json"]["schema"]
            model = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
            assert model["required"] == ["detail"], f"{method} {path} {status}"
            assert model["properties"]["detail"]["type"] == "string", f"{method} {path} {status}"
    assert "ApiError" in schema["components"]["schemas"]


def test_html_pages_stay_out_of_the_schema(schema: dict[str, Any]) -> None:
    assert not [path for path in schema["paths"] if not path.startswith("/api/v1/")]


def test_the_documented_refusals_are_what_the_api_answers(web: WebEnv) -> None:
    script = web.client()
    anonymous = script.get("/api/v1/persons")
    assert anonymous.status_code == 401 and isinstance(anonymous.json()["detail"], str)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    _id, viewer_token = tokens.issue_token(
        web.workspace, web.users["viewer"].id, Role.VIEWER, "script", actor="tester"
    )
    as_viewer = {"Authorization": f"Bearer {viewer_token}"}
    hidden = script.get("/api/v1/persons/P-000001", headers=as_viewer)
    assert hidden.status_code == 404 and isinstance(hidden.json()["detail"], str)
    _id, analyst_token = tokens.issue_token(
        web.workspace, web.users["analyst"].id, Role.ANALYST, "script", actor="tester"
    )
    refused = script.patch(
        "/api/v1/persons/P-000001",
        json={"version": 1, "status": "released", "as_of": "2017-09", "reason": "x"},
        headers={"Authorization": f"Bearer {analyst_token}"},
    )
    assert refused.status_code in (403, 404) and isinstance(refused.json()["detail"], str)


def test_declaring_the_scheme_changes_nothing_about_how_requests_are_let_in(
    web: WebEnv,
) -> None:
    """A wrong scheme or token is still refused, the session cookie still works, and a
    bearer header still switches the cookie off."""
    script = web.client()
    assert script.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
    assert script.get("/api/v1/me", headers={"Authorization": "Bearer"}).status_code == 401
    assert script.get("/api/v1/me", headers={"Authorization": "Bearer rwt_no"}).status_code == 401
    _id, raw = tokens.issue_token(
        web.workspace, web.users["researcher"].id, Role.ANALYST, "script", actor="tester"
    )
    me = script.get("/api/v1/me", headers={"Authorization": f"bearer {raw}"})
    assert me.status_code == 200 and me.json()["role"] == "analyst" and me.json()["via"] == "token"
    browser = web.sign_in("admin")
    assert browser.get("/api/v1/me").json()["via"] == "session"
    assert browser.get("/users").status_code == 200
    smuggled = browser.get("/api/v1/me", headers={"Authorization": "Bearer rwt_no"})
    assert smuggled.status_code == 401
