"""The three roles ImageSift knows, held as Django groups (superusers are admins too)."""

import enum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Role(enum.StrEnum):
    ADMIN = "Admins"
    FRONT_DESK = "Front desk"
    API_CLIENT = "API clients"


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
