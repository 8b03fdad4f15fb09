"""The whole API, fuzzed from its own OpenAPI document (schemathesis) against the live test
server, as each role and as nobody: no answer is a 5xx, and every answer is one the document
describes (status, content type, body). A fixed seed and a few examples an operation keep it
short and repeatable."""

from __future__ import annotations

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import Role
from tests.factories import make_employee, make_visitor

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def api_document() -> dict:
    """The API's OpenAPI document, as /api/v1/schema/ serves it to a role holder (built without
    a request or the database, so that the test's cases can be listed when tests are)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(api_document())


@pytest.fixture
def callers(user_with_role, settings) -> dict[str, dict[str, str]]:
    """The headers of each role's token, and none for nobody; a few people to find."""
    settings.IMAGESIFT_API_RATE = "100000/minute"  # the fuzzing is no abuse
    make_visitor(host=make_employee())
    headers = {"anonymous": {}}
    for role in Role:
        token = Token.objects.create(user=user_with_role(role, username=f"fuzz-{role.name}"))
        headers[role.name] = {"Authorization": f"Token {token.key}"}
    return headers


@schema.parametrize()
@hypothesis_settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_5xx_or_an_undescribed_answer(case, live_server, callers):
    for headers in callers.values():
        response = case.call(base_url=live_server.url, headers=headers)
        case.validate_response(response, checks=CHECKS)
