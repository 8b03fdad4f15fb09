"""What the apps' admins share: deletions through the services, and lists only read."""

from __future__ import annotations

from django.db.models import Model


class DeletesThroughServices:
    """Deleting in the admin, one object or a selection, goes through the app's service, as the
    API's deletes do: faces, files and metadata go with the row."""

    def delete_one(self, obj: Model) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj: Model) -> None:
        self.delete_one(obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_one(obj)


class ViewAndDeleteOnly(DeletesThroughServices):
    """Rows made elsewhere (an upload, a task): the admin shows and deletes them, no more."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
