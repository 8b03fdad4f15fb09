"""Visits in the admin: plan them (with an invitation), and check in, check out, cancel or invite
again from the list; each visitor's page lists their visits."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from accounts.admin import VisitorAdmin
from accounts.models import Visitor
from visits import invitations, services
from visits.models import Visit


class VisitsOfVisitor(admin.TabularInline):
    """A visitor's visits, newest first; planned and changed on the visit's own page."""

    model = Visit
    fk_name = "visitor"
    fields = ["starts_at", "ends_at", "host", "status", "badge_number"]
    readonly_fields = fields
    show_change_link = True
    max_num = 0
    can_delete = False


admin.site.unregister(Visitor)


@admin.register(Visitor)
class VisitorWithVisitsAdmin(VisitorAdmin):
    inlines = [*VisitorAdmin.inlines, VisitsOfVisitor]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = [
        "visitor",
        "company",
        "host",
        "starts_at",
        "ends_at",
        "status",
        "badge",
    ]
    list_filter = ["status", "starts_at"]
    search_fields = ["visitor__name", "visitor__company", "host__name", "badge_number"]
    autocomplete_fields = ["visitor", "host"]
    date_hierarchy = "starts_at"
    list_select_related = ["visitor", "host"]
    actions = ["check_in", "check_out", "cancel", "invite"]
    fieldsets = (
        (None, {"fields": ["visitor", "host", "starts_at", "ends_at", "purpose"]}),
        (
            "Progress",
            {
                "fields": [
                    "status",
                    "invited_at",
                    "self_enrolled_at",
                    "checked_in_at",
                    "checked_in_by_name",
                    "check_in_verification",
                    "checked_out_at",
                    "checked_out_by_name",
                    "badge_number",
                    "created_by_name",
                ]
            },
        ),
    )
    readonly_fields = fieldsets[1][1]["fields"]

    @admin.display(description="Company", ordering="visitor__company")
    def company(self, visit: Visit) -> str:
        return visit.visitor.company if visit.visitor else ""

    @admin.display(description="Badge")
    def badge(self, visit: Visit) -> str:
        if visit.status != Visit.Status.CHECKED_IN:
            return visit.badge_number or "—"
        url = reverse("visit-badge", args=[visit.pk])
        return format_html('<a href="{}">{} (print)</a>', url, visit.badge_number)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "visitor"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        """Through the services, as the API does."""
        data = {name: form.cleaned_data[name] for name in services.UPDATABLE_FIELDS}
        if change:
            services.visit_update(visit=obj, data=data)
            return
        created = services.visit_create(
            visitor=form.cleaned_data["visitor"], created_by=request.user, **data
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def _each(self, request, queryset, action, done: str) -> None:
        """Run `action` on each visit, saying what it did and why any was refused."""
        count = 0
        for visit in queryset:
            try:
                action(visit=visit, by=request.user)
                count += 1
            except ValidationError as error:
                self.message_user(request, f"{visit}: {' '.join(error.messages)}", messages.ERROR)
        if count:
            self.message_user(request, f"{count} visit(s) {done}.")

    @admin.action(description="Check in the selected visitors", permissions=["change"])
    def check_in(self, request, queryset):
        self._each(request, queryset, services.visit_check_in, "checked in")

    @admin.action(description="Check out the selected visitors", permissions=["change"])
    def check_out(self, request, queryset):
        self._each(request, queryset, services.visit_check_out, "checked out")

    @admin.action(description="Cancel the selected visits", permissions=["change"])
    def cancel(self, request, queryset):
        self._each(request, queryset, services.visit_cancel, "cancelled")

    @admin.action(
        description="Email the invitation to the selected visitors", permissions=["change"]
    )
    def invite(self, request, queryset):
        self._each(request, queryset, invitations.visit_invite, "invited")
