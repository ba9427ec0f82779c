"""The OIDC provider the sign-in tests run against: one oidc-provider-mock per session, reset for each test."""
from __future__ import annotations

import pytest

from tests.oidc_mock import MockProvider


@pytest.fixture(scope="session")
def provider_server():
    with MockProvider() as mock:
        yield mock


@pytest.fixture
def mock(provider_server):
    provider_server.reset()
    return provider_server
