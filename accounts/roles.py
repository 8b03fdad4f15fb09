"""The roles ImageSift knows, held as Django groups (superusers are admins too); which
roles may do what; and the API permission that checks it."""

import enum

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework import permissions


class Role(enum.StrEnum):
    ADMIN = "Admins"
    FRONT_DESK = "Front desk"
    API_CLIENT = "API clients"
    HOST = "Hosts"  # employees who invite visitors: they see only the visits they host


# Who may do what: the API's views and the pages both read these. EVERYONE is every role but
# hosts, whose only part is the visits they host.
EVERYONE = frozenset({Role.ADMIN, Role.FRONT_DESK, Role.API_CLIENT})
STAFF = frozenset({Role.ADMIN, Role.FRONT_DESK})  # the front desk page
VISITOR_MANAGERS = STAFF
ADMINS = frozenset({Role.ADMIN})
EMPLOYEE_MANAGERS = ADMINS
VERIFIERS = EVERYONE
IMAGE_UPLOADERS = EVERYONE
IMAGE_DELETERS = frozenset({Role.ADMIN, Role.API_CLIENT})
VISIT_READERS = frozenset(Role)  # a host: their own visits only
VISIT_PLANNERS = frozenset({Role.ADMIN, Role.FRONT_DESK, Role.HOST})
VISIT_RUNNERS = EVERYONE  # check in and out: the desk, and systems such as turnstiles


# The admin permissions each role's group holds, given by migrations (0004, 0006, 0008, 0010):
# every permission of ADMIN_APPS for admins; for the front desk, to read people and the log, to
# manage visitors, their photos and visits, and to mark decisions; none for API clients and
# hosts (they have no admin).
# Superusers hold every permission.
ADMIN_APPS = ("accounts", "visits", "recognition", "insight", "notifications", "authtoken")
ROLE_PERMISSIONS: dict[Role, frozenset[str] | None] = {
    Role.ADMIN: None,
    Role.FRONT_DESK: frozenset(
        {
            "view_employee",
            "view_visitor",
            "add_visitor",
            "change_visitor",
            "view_facephoto",
            "add_facephoto",
            "view_verification",
            "view_decisionfeedback",
            "add_decisionfeedback",
            "view_visit",
            "add_visit",
            "change_visit",
        }
    ),
    Role.API_CLIENT: frozenset(),
    Role.HOST: frozenset(),
}


def grant_role_permissions(group_model: type, permission_model: type) -> None:
    """Give each role's group its permissions: the migration passes its historical Group and
    Permission models, the tests the real ones (a flushed test database loses the groups)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role.value)
        permissions = permission_model.objects.filter(content_type__app_label__in=ADMIN_APPS)
        if codenames is not None:
            permissions = permissions.filter(codename__in=codenames)
        group.permissions.set(permissions)


def grant_in_migration(apps, schema_editor) -> None:
    """The migrations' step: create the permissions (they exist only after post_migrate), then
    grant them with the migration's historical models."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    grant_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


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
