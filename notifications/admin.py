"""Webhook endpoints, set by admins, with their delivery log and a "send test" action; and every
delivery of the outbox, read-only, with "retry now"."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from notifications import services
from notifications.events import OPT_IN_EVENTS, Event
from notifications.models import WEB_URL, Notification, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(assume_scheme="https", max_length=500, validators=[WEB_URL])
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event but the opt-in ones ("
        + ", ".join(sorted(OPT_IN_EVENTS))
        + ").",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "events", "active", "secret"]


class DeliveryLog(admin.TabularInline):
    model = Notification
    fields = ["created_at", "event", "state", "attempts", "next_attempt_at", "last_error"]
    readonly_fields = fields
    ordering = ["-created_at"]
    max_num = 0  # nothing added here
    can_delete = False
    verbose_name_plural = "Delivery log"

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "active", "created_at"]
    list_filter = ["active"]
    inlines = [DeliveryLog]
    actions = ["send_test"]

    @admin.action(description="Send a test event to the selected endpoints")
    def send_test(self, request, queryset):
        for endpoint in queryset:
            delivery = services.endpoint_test(endpoint=endpoint)
            delivery.refresh_from_db()
            level = (
                messages.SUCCESS if delivery.state == Notification.State.SENT else messages.WARNING
            )
            outcome = delivery.get_state_display().lower()
            if delivery.last_error:
                outcome += f": {delivery.last_error}"
            self.message_user(request, f"Test to {endpoint.url}: {outcome}.", level)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "channel",
        "endpoint",
        "recipient",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["state", "event", "channel", "endpoint"]
    search_fields = ["recipient", "last_error", "endpoint__url"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    @admin.action(description="Deliver the selected notifications again now")
    def retry_now(self, request, queryset):
        for notification in queryset:
            services.notification_retry_now(notification=notification)
        self.message_user(request, f"{queryset.count()} queued for delivery.")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
