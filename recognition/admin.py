"""The audit log in the admin: read-only, as an audit log must be."""

from django.contrib import admin

from recognition.models import Verification


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "decision",
        "person_name",
        "similarity",
        "faces_seen",
        "channel",
        "operator_name",
        "duration_ms",
    ]
    list_filter = ["decision", "channel", "engine", "face_model"]
    search_fields = ["person_name", "operator_name", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["person"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
