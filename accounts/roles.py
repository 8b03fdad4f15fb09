"""The three roles ImageSift knows, held as Django groups (superusers are admins too); which
roles may do what; and the API permission that checks it."""

import enum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework import permissions


class Role(enum.StrEnum):
    ADMIN = "Admins"
    FRONT_DESK = "Front desk"
    API_CLIENT = "API clients"


# Who may do what: the API's views and the pages both read these.
EVERYONE = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.FRONT_DESK})  # the front desk page
VISITOR_MANAGERS = STAFF
ADMINS = frozenset({Role.ADMIN})
EMPLOYEE_MANAGERS = ADMINS
VERIFIERS = EVERYONE
IMAGE_UPLOADERS = EVERYONE
IMAGE_DELETERS = frozenset({Role.ADMIN, Role.API_CLIENT})


def roles_of(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    """The roles a user holds; cached on the user object for the request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_imagesift_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {role for role in Role if role.value in names}
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._imagesift_roles = cached
    return cached


def has_role(user: AbstractBaseUser | AnonymousUser, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


class HasRole(permissions.BasePermission):
    """Reads need one of the view's `read_roles`, writes one of its `write_roles`."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            roles = getattr(view, "read_roles", EVERYONE)
        else:
            roles = getattr(view, "write_roles", ADMINS)
        return has_role(request.user, *roles)
