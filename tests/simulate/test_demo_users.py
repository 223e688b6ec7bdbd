"""The demo's four sign-ins work through the real sign-in form, one per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from refwatch.simulate.demo_users import DEMO_USERS, add_demo_users
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace
from refwatch.web.app import create_app
from tests.web.conftest import BASE_URL, TEST_HASHER, csrf_in


@pytest.fixture
def demo_app(workspace: Workspace, secret: Secret) -> Iterator[TestClient]:
    add_demo_users(workspace, actor="demo", hasher=TEST_HASHER)
    url = workspace.url if workspace.dialect != "sqlite" else None
    app = create_app(workspace.path, url, secret=secret, password_hasher=TEST_HASHER)
    with TestClient(app, base_url=BASE_URL):
        yield TestClient(app, base_url=BASE_URL, follow_redirects=False)


def test_each_demo_login_signs_in_with_its_role(demo_app: TestClient) -> None:
    roles = {}
    for username, role, password in DEMO_USERS:
        demo_app.cookies.clear()
        page = demo_app.get("/sign-in")
        answer = demo_app.post(
            "/sign-in",
            data={"username": username, "password": password, "csrf_token": csrf_in(page.text)},
        )
        assert answer.status_code == 303, username
        roles[username] = demo_app.get("/api/v1/me").json()["role"]
        assert roles[username] == role.value
    assert sorted(roles.values()) == ["admin", "analyst", "researcher", "viewer"]


def test_demo_passwords_say_they_are_for_the_demo_only() -> None:
    assert all(password.startswith("demo-") for _, _, password in DEMO_USERS)
