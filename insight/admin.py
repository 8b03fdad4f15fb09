"""Analysed images in the admin: read-only results, deletion and re-analysis through services."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ViewAndDeleteOnly
from insight import services
from insight.models import ImageAnalysis


@admin.register(ImageAnalysis)
class ImageAnalysisAdmin(ViewAndDeleteOnly, admin.ModelAdmin):
    """Images come in through the page, the API, the bucket or `analyze`; here they are read,
    analysed again, or deleted."""

    list_display = [
        "__str__",
        "status",
        "top_labels",
        "moderation_flagged",
        "source",
        "created_at",
        "page_link",
    ]
    list_filter = ["status", "moderation_flagged", "source", "engine"]
    search_fields = ["original_name", "image", "content_sha256", "text_content"]
    date_hierarchy = "created_at"
    actions = ["analyse_again"]
    readonly_fields = [field.name for field in ImageAnalysis._meta.fields]

    @admin.display(description="Labels")
    def top_labels(self, analysis: ImageAnalysis) -> str:
        return ", ".join(label["name"] for label in analysis.labels[:5])

    @admin.display(description="Page")
    def page_link(self, analysis: ImageAnalysis) -> str:
        return format_html('<a href="{}">View</a>', reverse("image-page", args=[analysis.pk]))

    def delete_one(self, obj: ImageAnalysis) -> None:
        services.image_delete(analysis=obj)

    def has_analyse_permission(self, request) -> bool:
        return request.user.has_perm("insight.change_imageanalysis")

    @admin.action(description="Analyse the selected images again", permissions=["analyse"])
    def analyse_again(self, request, queryset):
        for analysis in queryset:
            services.analysis_restart(analysis=analysis)
        self.message_user(request, f"{queryset.count()} image(s) queued.", messages.SUCCESS)
