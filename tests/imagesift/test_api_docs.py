"""The API's description: the OpenAPI document and Swagger UI, for role holders only."""

from __future__ import annotations

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.roles import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/verifications/"


def test_the_schema_is_a_valid_openapi_3_document(api_as):
    response = api_as(Role.API_CLIENT).get("/api/v1/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "ImageSift API"
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths[URL])
    request = paths[URL]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    component = schema["components"]["schemas"][request["$ref"].rsplit("/", 1)[-1]]
    assert "required" not in component  # an `image`, `frames`, or both
    assert component["properties"]["image"]["format"] == "binary"
    assert component["properties"]["frames"]["items"]["format"] == "binary"
    for operation in (paths[URL]["post"], paths["/api/v1/employees/{person_id}/photos/"]["post"]):
        for status in ("400", "413", "415"):
            error = operation["responses"][status]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
    assert {"detail", "code"} <= set(schema["components"]["schemas"]["Error"]["required"])
    assert "/api/v1/visitors/{id}/" in paths


def test_the_api_description_is_for_role_holders_only(api_as):
    """The schema answers errors as JSON when asked to; the Swagger page is HTML either way."""
    without_role = api_as(None)
    for url in ("/api/v1/schema/", "/api/v1/docs/"):
        assert APIClient().get(url).status_code == 401, url
        assert without_role.get(url).status_code == 403, url

    anonymous = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert anonymous.json()["code"] == "not_authenticated"


def test_schema_generation_has_no_warnings(tmp_path):
    """The same check as `manage.py spectacular --validate --fail-on-warn`."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "api.yaml")
    assert (tmp_path / "api.yaml").stat().st_size > 1000


def test_swagger_ui_is_served_without_a_cdn(api_as):
    response = api_as(Role.API_CLIENT).get("/api/v1/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/schema/" in page
    assert "cdn." not in page and "unpkg" not in page
    assert (
        f"{settings.STATIC_URL}drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    )
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_every_operation_documents_the_errors_any_request_may_get(api_as):
    schema = yaml.safe_load(api_as(Role.API_CLIENT).get("/api/v1/schema/").content)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert {"400", "401", "403", "404", "429", "503"} <= documented, (method, path)


def test_blank_values_and_bounds_are_in_the_document(api_as):
    schema = yaml.safe_load(api_as(Role.API_CLIENT).get("/api/v1/schema/").content)
    components = schema["components"]["schemas"]

    reason = components["PhotoOutput"]["properties"]["rejection_reason"]
    choices = [choice["$ref"].rsplit("/", 1)[-1] for choice in reason["oneOf"]]
    assert "BlankEnum" in choices
    [min_confidence] = [
        parameter
        for parameter in schema["paths"]["/api/v1/images/"]["get"]["parameters"]
        if parameter["name"] == "min_confidence"
    ]
    assert (min_confidence["schema"]["minimum"], min_confidence["schema"]["maximum"]) == (0, 100)
    upload = schema["paths"]["/api/v1/images/"]["post"]
    assert "Idempotency-Key" in {parameter["name"] for parameter in upload["parameters"]}


def test_the_events_and_their_payloads_are_schema_components(api_as):
    schemas = yaml.safe_load(api_as(Role.API_CLIENT).get("/api/v1/schema/").content)["components"][
        "schemas"
    ]

    denied = schemas["EventVerificationDenied"]
    assert denied["properties"]["type"]["enum"] == ["verification.denied"]
    assert {"decision", "person", "probe_url"} <= set(denied["properties"]["data"]["properties"])
    assert {"EventVerificationUnknown", "EventPersonEnrolled", "EventWebhookTest"} <= set(schemas)
