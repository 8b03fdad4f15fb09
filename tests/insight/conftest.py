"""Fixtures of the image-insight tests."""

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role


@pytest.fixture
def api_client(api_as) -> APIClient:
    """An API client holding the API clients' role."""
    return api_as(Role.API_CLIENT)
