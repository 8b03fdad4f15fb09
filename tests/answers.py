"""Answers of the API that tests of several apps expect, written once."""

# Who is refused, and how: nobody signed in (401), or a user without a role (403).
REFUSED = {
    "anonymous": (
        401,
        {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"},
    ),
    "no role": (403, {"detail": "Your role does not allow this.", "code": "permission_denied"}),
}
