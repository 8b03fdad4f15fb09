"""The audit log in the admin: read-only, as an audit log must be; marks on its decisions are
added beside it (append-only), through the same service as the API; and the calibration page,
which reads both."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.roles import ADMINS, has_role
from recognition import measuring, plots, selectors, services
from recognition.calibration import BIN_WIDTH, histogram
from recognition.models import DecisionFeedback, Verification


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
    list_filter = ["decision", "liveness", "channel", "engine", "face_model"]
    search_fields = ["person_name", "operator_name", "reason"]
    date_hierarchy = "created_at"
    list_select_related = ["person"]
    exclude = ["probe_image"]  # its file link would bypass the role check (and 404)
    readonly_fields = ["probe", "feedback"]

    @admin.display(description="Probe image")
    def probe(self, verification: Verification) -> str:
        if not verification.probe_image:
            return "Not kept (deleted after the retention period, or never kept)"
        url = reverse("verification-probe", args=[verification.pk])
        return format_html(
            '<a href="{}"><img src="{}" alt="Probe image" style="max-height:240px"></a>', url, url
        )

    @admin.display(description="Feedback")
    def feedback(self, verification: Verification) -> str:
        marks = format_html_join(
            "",
            "<li>{}: {} ({}, {}) {}</li>",
            (
                (
                    mark.get_verdict_display(),
                    mark.right_person_name or "",
                    mark.author_name or "unknown",
                    f"{mark.created_at:%Y-%m-%d %H:%M}",
                    mark.note,
                )
                for mark in verification.feedback.all()
            ),
        )
        add = reverse("admin:recognition_decisionfeedback_add")
        return format_html(
            '<ul>{}</ul><a class="button" href="{}?verification={}">Mark this decision</a>',
            marks,
            add,
            verification.pk,
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_calibrate": has_role(request.user, *ADMINS)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        calibration = self.admin_site.admin_view(self.calibration_view)
        return [
            path("calibration/", calibration, name="recognition_calibration"),
            *super().get_urls(),
        ]

    def calibration_view(self, request: HttpRequest) -> HttpResponse:
        """The thresholds against this site's own data (admins only); POST measures the
        gallery again, in the background."""
        if not has_role(request.user, *ADMINS):
            raise PermissionDenied("Calibration is for admins.")
        if request.method == "POST":
            measuring.gallery_measurement_request(requested_by=request.user)
            self.message_user(request, "Measuring the gallery: the result shows here once done.")
            return redirect("admin:recognition_calibration")
        data = selectors.calibration_read()
        context = {
            **self.admin_site.each_context(request),
            "title": "Calibration",
            "opts": self.model._meta,
            "data": data,
            "plots": calibration_plots(data),
        }
        return TemplateResponse(request, "admin/recognition/calibration.html", context)


class FeedbackForm(forms.ModelForm):
    enrol_probe = forms.BooleanField(
        required=False,
        help_text="For a missed match: add the probe as a photo of the right person (consent "
        "needed; it is checked and indexed as any enrolment photo).",
    )

    class Meta:
        model = DecisionFeedback
        fields = ["verification", "verdict", "right_person", "note"]

    def clean(self):
        cleaned = super().clean()
        if "verification" in cleaned and "verdict" in cleaned:
            services.feedback_check(
                verification=cleaned["verification"],
                verdict=cleaned["verdict"],
                right_person=cleaned.get("right_person"),
                enrol_probe=cleaned.get("enrol_probe", False),
            )
        return cleaned


@admin.register(DecisionFeedback)
class DecisionFeedbackAdmin(admin.ModelAdmin):
    """Marks on decisions: added and read, never changed or deleted."""

    form = FeedbackForm
    list_display = ["created_at", "verdict", "verification", "right_person_name", "author_name"]
    list_filter = ["verdict"]
    search_fields = ["right_person_name", "author_name", "note"]
    raw_id_fields = ["verification", "right_person"]

    def save_model(self, request, obj, form, change):
        saved = services.feedback_record(
            verification=form.cleaned_data["verification"],
            verdict=form.cleaned_data["verdict"],
            author=request.user,
            note=form.cleaned_data["note"],
            right_person=form.cleaned_data.get("right_person"),
            enrol_probe=form.cleaned_data["enrol_probe"],
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def calibration_plots(data: selectors.CalibrationData) -> dict[str, str]:
    """The two histograms of the calibration page, with the thresholds drawn across them."""
    markers = [
        plots.Marker("match", data.match_threshold, "#111"),
        plots.Marker("deny list", data.deny_list_threshold, "#e65100", dashed=True),
    ]
    if data.suggestion.threshold is not None:
        markers.append(plots.Marker("suggested", data.suggestion.threshold, "#6a1b9a", True))
    nearest = data.measurement.nearest_similarities if data.measurement else []
    return {
        "decisions": plots.histogram_svg(
            "Similarity of decisions staff confirmed",
            [
                plots.Series("marked correct", histogram(data.confirmed_right), "#2e7d32"),
                plots.Series("not that person", histogram(data.confirmed_wrong), "#c62828"),
            ],
            markers,
            bin_width=BIN_WIDTH,
        ),
        "gallery": plots.histogram_svg(
            "Similarity of each enrolled person to the nearest other person",
            [plots.Series("nearest other person", histogram(nearest), "#1565c0")],
            markers,
            bin_width=BIN_WIDTH,
        ),
    }
