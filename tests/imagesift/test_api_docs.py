"""The API's description: the OpenAPI document and Swagger UI, for role holders only."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import enroll, make_employee, post_verification

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


# --- for a client developer: resources, summaries and examples -----------------------------------
RESOURCES = [
    "verifications",
    "on-site",
    "calibration",
    "employees",
    "visitors",
    "photos",
    "visits",
    "invitations",
    "images",
]
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def api_schema(api_as) -> dict:
    return yaml.safe_load(api_as(Role.API_CLIENT).get("/api/v1/schema/").content)


def operations(schema: dict):
    for path, path_item in schema["paths"].items():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def test_every_operation_is_tagged_by_its_resource_with_a_one_line_summary(api_as):
    schema = api_schema(api_as)

    assert [tag["name"] for tag in schema["tags"]] == RESOURCES
    assert all(tag["description"] for tag in schema["tags"])
    for method, path, operation in operations(schema):
        [tag] = operation["tags"]
        assert tag in RESOURCES and tag != "api", (method, path)
        assert path.removeprefix("/api/v1").startswith(f"/{tag}/"), (method, path)
        summary = operation["summary"]
        assert summary.strip() and "\n" not in summary and "`" not in summary, (method, path)
        assert len(summary) <= 80 and not summary.endswith("."), (method, path)
    summaries = {
        (method, path): operation["summary"] for method, path, operation in operations(schema)
    }
    assert summaries[("get", "/api/v1/visits/")] == "List visits"  # generated
    assert summaries[("get", "/api/v1/verifications/{id}/")] == "Get a verification"
    assert summaries[("post", "/api/v1/employees/")] == "Register an employee"
    assert summaries[("post", "/api/v1/verifications/{id}/feedback/")] == (
        "Give feedback on a verification"
    )
    # From the first sentence of the operation's own description:
    assert summaries[("post", "/api/v1/verifications/")] == "Verify the face in a photo"
    assert summaries[("post", "/api/v1/visits/{id}/cancel/")] == "Cancel a visit still to come"


def json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` as a null alternative, and no property
    an object does not declare (an example with a misspelt field fails)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {}
    for key, value in node.items():
        if key == "properties":
            converted[key] = {name: json_schema(field) for name, field in value.items()}
        elif key not in {"nullable", "readOnly", "writeOnly", "example", "examples"}:
            converted[key] = json_schema(value)
    if "properties" in node:
        converted.setdefault("additionalProperties", False)
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def examples_in(schema: dict):
    """Each example of the document: where it is, its value, and the schema it illustrates."""
    for method, path, operation in operations(schema):
        places = [("request", operation.get("requestBody", {}))]
        places += [(status, response) for status, response in operation["responses"].items()]
        for place, body in places:
            for media_type, content in body.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    yield (method, path, place, media_type, name), example, content["schema"]


def test_the_main_operations_have_examples_that_match_their_schemas(api_as):
    schema = api_schema(api_as)
    components = {
        "schemas": {
            name: json_schema(each) for name, each in schema["components"]["schemas"].items()
        }
    }

    found = list(examples_in(schema))
    for where, example, media_schema in found:
        assert example["summary"], where
        validator = jsonschema.Draft202012Validator(
            {**json_schema(media_schema), "components": components},
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        errors = [error.message for error in validator.iter_errors(example["value"])]
        assert errors == [], where
    places = {where[:3] for where, _, _ in found}
    for method, path, place in [
        ("post", "/api/v1/verifications/", "201"),
        ("post", "/api/v1/verifications/", "400"),
        ("post", "/api/v1/visits/", "request"),
        ("post", "/api/v1/visits/", "201"),
        ("post", "/api/v1/employees/", "request"),
        ("post", "/api/v1/employees/", "201"),
        ("post", "/api/v1/visitors/", "request"),
        ("post", "/api/v1/employees/{person_id}/photos/", "201"),
    ]:
        assert (method, path, place) in places
    decisions = {
        example["value"]["decision"]
        for where, example, _ in found
        if where[:3] == ("post", "/api/v1/verifications/", "201")
    }
    assert {"employee", "visitor", "denied", "unknown"} <= decisions


def example_value(schema: dict, method: str, path: str, place: str, name: str):
    operation = schema["paths"][path][method]
    body = operation["requestBody"] if place == "request" else operation["responses"][place]
    return body["content"]["application/json"]["examples"][name]["value"]


def shape(value):
    """The fields of an answer, and of the objects in it."""
    if isinstance(value, dict):
        return {key: shape(field) for key, field in value.items() if isinstance(field, dict)} | {
            key: None for key, field in value.items() if not isinstance(field, dict)
        }
    return None


def test_the_examples_are_what_the_api_answers(
    api_as, admin_api, faces, django_capture_on_commit_callbacks
):
    """Sent as they are (dates moved to the future, ids to real ones), the request examples get
    answers of the examples' shape, and the error examples word for word."""
    schema = api_schema(api_as)

    employee = example_value(schema, "post", "/api/v1/employees/", "request", "consent")
    response = admin_api.post("/api/v1/employees/", employee, format="json")
    assert response.status_code == 201
    assert shape(response.json()) == shape(
        example_value(schema, "post", "/api/v1/employees/", "201", "registered")
    )
    response = admin_api.post("/api/v1/employees/", employee, format="json")
    assert response.json() == example_value(schema, "post", "/api/v1/employees/", "400", "invalid")

    visit = example_value(schema, "post", "/api/v1/visits/", "request", "new_visitor")
    starts_at = timezone.now() + timedelta(days=1)
    visit |= {
        "host": response_id(admin_api.get("/api/v1/employees/")),
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=3)).isoformat(),
    }
    response = admin_api.post("/api/v1/visits/", visit, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "invited"
    assert shape(response.json()) == shape(
        example_value(schema, "post", "/api/v1/visits/", "201", "invited")
    )
    response = admin_api.post(
        "/api/v1/visits/", visit | {"ends_at": starts_at.isoformat()}, format="json"
    )
    assert response.json() == example_value(schema, "post", "/api/v1/visits/", "400", "window")

    with django_capture_on_commit_callbacks(execute=True):  # indexed
        enroll(make_employee("Jackie Chan"), *faces.of("Jackie_Chan")[:3])
    response = post_verification(admin_api, faces.of("Jackie_Chan")[3].read_bytes())
    assert response.json()["decision"] == "employee"
    assert shape(response.json()) == shape(
        example_value(schema, "post", "/api/v1/verifications/", "201", "employee")
    )
    response = post_verification(admin_api, b"This is not a photo.")
    assert response.json() == example_value(
        schema, "post", "/api/v1/verifications/", "400", "not_an_image"
    )


def response_id(response) -> int:
    return response.json()["results"][0]["id"]
