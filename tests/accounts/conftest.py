"""The accounts room is tried through the web app that signs people in, so its tests share
the web tests' fixtures (a workspace served by the app, one signed-in client per role)."""

from tests.web.conftest import clients, web

__all__ = ["clients", "web"]
