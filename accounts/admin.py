"""Admin for people: register employees and visitors with their photos inline.

Saving goes through the services, so photos are checked, stored and indexed exactly as through
the API; the index state and rejection reason show on each photo.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from accounts import selectors, services
from accounts.collection import face_collection
from accounts.models import Employee, FacePhoto, Person, Visitor
from core.admin import DeletesThroughServices, ViewAndDeleteOnly
from vision.errors import ImageRejected
from vision.images import prepare_image


class _Link:
    """What ClearableFileInput shows as the current file: its name, linked to `url`."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url

    def __str__(self) -> str:
        return self.name


class RoleCheckedFileInput(forms.ClearableFileInput):
    """Links the current photo through the role-checked photo view, not MEDIA_URL (which is
    not served: photos are biometric data)."""

    photo_id: int | None = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.photo_id is not None and self.is_initial(value):
            context["widget"]["value"] = _Link(
                value.name, reverse("photo-image", args=[self.photo_id])
            )
        return context


class FacePhotoForm(forms.ModelForm):
    class Meta:
        model = FacePhoto
        fields = ["image"]
        widgets = {"image": RoleCheckedFileInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].widget.photo_id = self.instance.pk

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image and "image" in self.changed_data:
            try:
                prepare_image(image)
            except ImageRejected as rejected:
                raise forms.ValidationError(rejected.message, code=rejected.code) from None
            image.seek(0)
        return image


@admin.display(boolean=True, description="Needs re-index")
def needs_reindex(photo: FacePhoto) -> bool:
    """Indexed by another face model than the collection's: not searched until indexed again."""
    return selectors.photo_needs_reindex(photo, face_collection().model_key)


class FacePhotoInline(admin.TabularInline):
    model = FacePhoto
    fk_name = "person"
    form = FacePhotoForm
    extra = 1
    fields = [
        "preview",
        "image",
        "state",
        "rejection_reason",
        "advice_note",
        needs_reindex,
        "indexed_at",
    ]
    readonly_fields = [
        "preview",
        "state",
        "rejection_reason",
        "advice_note",
        needs_reindex,
        "indexed_at",
    ]

    @admin.display(description="Advice")
    def advice_note(self, photo: FacePhoto) -> str:
        return photo.advice_text or "—"

    @admin.display(description="Photo")
    def preview(self, photo: FacePhoto) -> str:
        return photo_preview(photo, height_px=64)


def photo_preview(photo: FacePhoto, *, height_px: int) -> str:
    """The photo through the role-checked photo view, linked to itself."""
    if not photo.pk:
        return "—"
    url = reverse("photo-image", args=[photo.pk])
    return format_html(
        '<a href="{}"><img src="{}" alt="Photo {}" style="height:{}px;border-radius:4px"></a>',
        url,
        url,
        photo.pk,
        height_px,
    )


RECOMMENDED_PHOTOS = 3


class PersonAdmin(DeletesThroughServices, admin.ModelAdmin):
    """What the employee and visitor admins share."""

    inlines = [FacePhotoInline]
    search_fields = ["name", "email"]
    readonly_fields = [
        "consent_recorded_at",
        "consent_notice_version",
        "created_at",
        "photo_summary",
    ]
    actions = ["record_consent", "reindex_faces", "remove_faces"]
    person_fieldsets = (
        ("Face photos", {"fields": ["photo_summary"]}),
        ("Deny list", {"fields": ["denied", "denied_reason"]}),
        (
            "Consent to biometric processing",
            {
                "fields": ["consent_recorded_by", "consent_recorded_at", "consent_notice_version"],
                "description": "No face is indexed until consent is recorded.",
            },
        ),
    )

    @admin.display(description="Indexed photos", ordering="indexed_photo_count")
    def photo_summary(self, person) -> str:
        """Indexed photos of all (the list sorts by the indexed count), with a warning under
        three: with one photo, about one probe in twenty of an enrolled person goes unrecognised
        (README, "Accuracy")."""
        if person.pk is None:
            return "—"
        photos = list(person.photos.all())
        indexed = sum(photo.state == FacePhoto.State.INDEXED for photo in photos)
        if indexed >= RECOMMENDED_PHOTOS:
            return f"{indexed}/{len(photos)} indexed"
        return format_html(
            '{}/{} indexed <strong style="color:#b45309">· add {} more</strong>',
            indexed,
            len(photos),
            RECOMMENDED_PHOTOS - indexed,
        )

    @admin.display(boolean=True, description="Consent")
    def consent(self, person) -> bool:
        return person.has_consent

    def get_queryset(self, request):
        indexed = Count("photos", filter=Q(photos__state=FacePhoto.State.INDEXED))
        return (
            super()
            .get_queryset(request)
            .annotate(indexed_photo_count=indexed)
            .prefetch_related("photos")
        )

    def save_model(self, request, obj, form, change):
        """Through the services, as the API does. A new person is created by the service; the
        admin then goes on (inline photos, history, redirect) with the object it holds."""
        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in services.UPDATABLE_FIELDS[self.model]
        }
        if change:
            services.person_update(person=obj, data=data)
            return
        created = self.create_service(**data)
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for photo in formset.deleted_objects:
            services.photo_delete(photo=photo)
        enrolled_ids = []
        for photo in instances:
            if photo.pk is not None:  # its image was replaced: the new one takes its place
                services.photo_delete(photo=FacePhoto.objects.get(pk=photo.pk))
            upload = photo.image.file
            upload.seek(0)
            enrolled = services.photo_enroll(person=form.instance, upload=upload)
            photo.pk = enrolled.pk  # for the history
            enrolled_ids.append(enrolled.pk)
        formset.save_m2m()
        if enrolled_ids:  # after the indexing, which the same commit starts
            transaction.on_commit(lambda: self._report_photos(request, enrolled_ids))

    def _report_photos(self, request, photo_ids: list[int]) -> None:
        """Say which new photos were not indexed, and why, beside "changed successfully"."""
        for photo in FacePhoto.objects.filter(pk__in=photo_ids).order_by("pk"):
            if photo.state == FacePhoto.State.REJECTED:
                self.message_user(
                    request,
                    f"Photo {photo.pk} was not enrolled: {photo.get_rejection_reason_display()}.",
                    messages.WARNING,
                )
            elif photo.state != FacePhoto.State.INDEXED:
                self.message_user(
                    request, f"Photo {photo.pk} is being indexed: check its state shortly."
                )
            elif photo.advice:
                self.message_user(
                    request, f"Photo {photo.pk}: {photo.advice_text}", messages.WARNING
                )

    def delete_one(self, obj: Person) -> None:
        services.person_erase(person=obj)

    @admin.action(
        description="Record consent (by me) and index their photos", permissions=["change"]
    )
    def record_consent(self, request, queryset):
        for person in queryset:
            services.consent_record(person=person, recorded_by=request.user.get_username())
        self.message_user(request, f"Consent recorded for {queryset.count()} people.")

    @admin.action(description="Re-index faces of selected people", permissions=["change"])
    def reindex_faces(self, request, queryset):
        count = sum(services.photos_reindex(person=person) for person in queryset)
        self.message_user(request, f"{count} photos queued for indexing.")

    @admin.action(
        description="Remove faces of selected people from the collection", permissions=["change"]
    )
    def remove_faces(self, request, queryset):
        count = services.photos_remove_faces(people=list(queryset))
        self.message_user(request, f"{count} faces removed.", messages.WARNING)


@admin.register(Employee)
class EmployeeAdmin(PersonAdmin):
    create_service = staticmethod(services.employee_create)
    list_display = [
        "name",
        "staff_number",
        "department",
        "active",
        "denied",
        "consent",
        "photo_summary",
    ]
    list_filter = ["active", "denied", "department"]
    search_fields = [*PersonAdmin.search_fields, "staff_number", "department"]
    fieldsets = (
        (None, {"fields": ["name", "email", "staff_number", "department", "active"]}),
        *PersonAdmin.person_fieldsets,
    )


@admin.register(Visitor)
class VisitorAdmin(PersonAdmin):
    create_service = staticmethod(services.visitor_create)
    list_display = [
        "name",
        "company",
        "email",
        "denied",
        "consent",
        "photo_summary",
    ]
    list_filter = ["denied"]
    search_fields = [*PersonAdmin.search_fields, "company"]
    fieldsets = (
        (None, {"fields": ["name", "email", "company"]}),
        *PersonAdmin.person_fieldsets,
    )


class NeedsReindexFilter(admin.SimpleListFilter):
    """Photos indexed by another face model than the collection's: not searched until indexed
    again (`manage.py reindex`, or the action here)."""

    title = "needs re-index"
    parameter_name = "needs_reindex"

    def lookups(self, request, model_admin):
        return [("yes", "Yes")]

    def queryset(self, request, queryset):
        if self.value() != "yes":
            return queryset
        stale = selectors.photos_needing_reindex(face_collection().model_key)
        return queryset.filter(pk__in=stale.values("pk"))


@admin.register(FacePhoto)
class FacePhotoAdmin(ViewAndDeleteOnly, admin.ModelAdmin):
    """Every photo with its index state, to find and fix rejected ones; photos are added on
    their person's page."""

    list_display = [
        "id",
        "person",
        "state",
        "rejection_reason",
        "advice",
        "face_model",
        needs_reindex,
        "face_id",
        "created_at",
    ]
    list_filter = [
        "state",
        NeedsReindexFilter,
        "rejection_reason",
        "advice",
        "face_model",
        "person__kind",
    ]
    search_fields = ["person__name", "face_id"]
    list_select_related = ["person"]
    actions = ["reindex", "remove_face"]
    exclude = ["image"]  # its file link would bypass the role check (and 404)
    readonly_fields = ["preview", "advice_note"]

    @admin.display(description="Photo")
    def preview(self, photo: FacePhoto) -> str:
        return photo_preview(photo, height_px=240)

    @admin.display(description="Advice")
    def advice_note(self, photo: FacePhoto) -> str:
        return photo.advice_text or "—"

    def delete_one(self, obj: FacePhoto) -> None:
        services.photo_delete(photo=obj)

    def has_index_permission(self, request) -> bool:
        """Re-indexing and removing faces change photos, which this page cannot edit."""
        return request.user.has_perm("accounts.change_facephoto")

    @admin.action(description="Re-index selected photos", permissions=["index"])
    def reindex(self, request, queryset):
        for photo in queryset:
            services.photo_reindex(photo=photo)
        self.message_user(request, f"{queryset.count()} photos queued for indexing.")

    @admin.action(
        description="Remove faces of selected photos from the collection", permissions=["index"]
    )
    def remove_face(self, request, queryset):
        for photo in queryset:
            services.photo_remove_face(photo=photo)
        self.message_user(request, "Faces removed.", messages.WARNING)
