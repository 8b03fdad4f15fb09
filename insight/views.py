"""The image pages: the gallery (upload, search, browse) and one image with what was found in it.

Server-rendered from the selectors; the gallery's script only uploads (to the API), and an image
page's script only waits for a pending analysis to finish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from accounts.models import Person
from accounts.roles import EVERYONE, IMAGE_DELETERS, IMAGE_UPLOADERS, has_role
from accounts.selectors import people_enrolled
from core.api import NewestFirst
from insight import selectors, services
from insight.models import AnalysisFace, ImageAnalysis

# How many labels a gallery card names.
CARD_LABELS = 3


class GalleryPages(NewestFirst):
    """The API's cursor pages, a screenful at a time."""

    page_size = 24


class SearchForm(forms.Form):
    """The gallery's search: the API's filters, as a GET form."""

    label = forms.CharField(required=False, max_length=100)
    text = forms.CharField(
        required=False,
        min_length=2,
        max_length=200,
        label="Text in the image",
        widget=forms.TextInput(attrs={"placeholder": "e.g. a word on a sign"}),
    )
    min_confidence = forms.FloatField(
        required=False, min_value=0, max_value=100, label="Minimum confidence (%)"
    )
    # A number, so that any person can be searched for; the select offers the enrolled ones.
    person = forms.IntegerField(required=False, min_value=1, widget=forms.Select)
    moderation = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("flagged", "Flagged"), ("clean", "Clean")]
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *ImageAnalysis.Status.choices])

    def __init__(self, *args, people: list[Person], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Anyone")] + [
            (str(person.pk), f"{person.name} ({person.get_kind_display().lower()})")
            for person in people
        ]
        chosen = self.data.get("person", "")
        if chosen and chosen not in {value for value, _ in choices}:
            choices.append((chosen, f"Person #{chosen}"))
        self.fields["person"].widget.choices = choices

    def filters(self) -> dict:
        """The keyword arguments of `selectors.analyses_search` (a valid form only)."""
        data = self.cleaned_data
        filters = {
            "text": data["text"].strip(),
            "label": data["label"].strip(),
            "min_confidence": data["min_confidence"],
            "person_id": data["person"],
            "moderation": data["moderation"],
            "status": data["status"],
        }
        return {name: value for name, value in filters.items() if value not in (None, "")}


@dataclass(frozen=True)
class Card:
    """One image of the gallery's grid."""

    analysis: ImageAnalysis
    top_labels: list[dict]
    face_count: int
    people: list[str]  # the names of the enrolled people recognised, each once


@dataclass(frozen=True)
class Overlay:
    """A box drawn over the picture: `style` places it in % of the image, so that it scales."""

    kind: str  # label, face or text
    caption: str
    style: str


@dataclass(frozen=True)
class FaceRow:
    number: int
    face: AnalysisFace
    admin_url: str = ""


@dataclass
class Finding:
    """What the image page shows of a done analysis."""

    labels: list[dict] = field(default_factory=list)
    overlays: list[Overlay] = field(default_factory=list)
    faces: list[FaceRow] = field(default_factory=list)


def _require_viewer(user: AbstractBaseUser) -> None:
    if not has_role(user, *EVERYONE):
        raise PermissionDenied("The images are for ImageSift's admins, front desk and API clients.")


def most_specific_first(labels: list[dict]) -> list[dict]:
    """Labels with those no other label names as a parent first ("Cat" before "Animal"),
    then by confidence."""
    parents = {parent for label in labels for parent in label.get("parents", [])}
    return sorted(labels, key=lambda label: (label["name"] in parents, -label["confidence"]))


@login_required
@ensure_csrf_cookie  # the upload script sends the cookie's token back to the API
@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    """Upload images, and browse and search the analysed ones, newest first."""
    _require_viewer(request.user)
    form = SearchForm(request.GET, people=list(people_enrolled()))
    cards: list[Card] = []
    older = newer = ""
    if form.is_valid():
        pages = GalleryPages()
        try:
            analyses = pages.paginate_queryset(
                selectors.analyses_search(**form.filters()), Request(request)
            )
        except NotFound:
            raise Http404("That page of images does not exist.") from None
        cards = [_card(analysis) for analysis in analyses]
        older, newer = _relative(pages.get_next_link()), _relative(pages.get_previous_link())
    context = {
        "form": form,
        "cards": cards,
        "older_url": older,
        "newer_url": newer,
        "searching": bool(form.is_valid() and form.filters()),
        "can_upload": has_role(request.user, *IMAGE_UPLOADERS),
        "max_upload_bytes": int(settings.IMAGESIFT_MAX_UPLOAD_MB * 1024 * 1024),
        "max_upload_mb": f"{settings.IMAGESIFT_MAX_UPLOAD_MB:g}",
    }
    return render(request, "insight/gallery.html", context)


def _card(analysis: ImageAnalysis) -> Card:
    faces = analysis.faces.all()  # prefetched, with their people
    people = dict.fromkeys(face.person.name for face in faces if face.person is not None)
    return Card(
        analysis=analysis,
        top_labels=most_specific_first(analysis.labels)[:CARD_LABELS],
        face_count=len(faces),
        people=list(people),
    )


def _relative(link: str | None) -> str:
    """The paginator's absolute link as "?query", which holds behind any proxy or path prefix."""
    return f"?{urlsplit(link).query}" if link else ""


@login_required
@require_GET
def image_page(request: HttpRequest, analysis_id: int) -> HttpResponse:
    """One image with its boxes, labels, moderation labels, faces and text."""
    _require_viewer(request.user)
    analysis = selectors.analysis_for_display(analysis_id)
    if analysis is None:
        raise Http404("No such image.")
    finding = Finding()
    if analysis.status == ImageAnalysis.Status.DONE:
        finding = _finding(analysis, request.user)
    context = {
        "analysis": analysis,
        "finding": finding,
        "timings": [(step, ms) for step, ms in analysis.timings_ms.items() if step != "total"],
        "total_ms": analysis.timings_ms.get("total"),
        "can_delete": has_role(request.user, *IMAGE_DELETERS),
    }
    return render(request, "insight/image.html", context)


def _finding(analysis: ImageAnalysis, user: AbstractBaseUser) -> Finding:
    labels = most_specific_first(analysis.labels)
    overlays = [
        Overlay("label", f"{label['name']} {label['confidence']:.0f}%", _placed(instance["box"]))
        for label in labels
        for instance in label.get("instances", [])
    ]
    faces = []
    for number, face in enumerate(analysis.faces.all(), start=1):
        person = face.person
        caption = person.name if person else f"Face {number}"
        overlays.append(Overlay("face", caption, _placed(face.box)))
        faces.append(FaceRow(number, face, _admin_url(person, user) if person else ""))
    overlays += [
        Overlay("text", line["text"], _placed(line["box"])) for line in analysis.text_lines
    ]
    return Finding(labels=labels, overlays=overlays, faces=faces)


def _placed(box: dict) -> str:
    return "; ".join(
        f"{side}: {box[side] * 100:.2f}%" for side in ("left", "top", "width", "height")
    )


def _admin_url(person: Person, user: AbstractBaseUser) -> str:
    """The person's admin page, for staff who may open it; else ""."""
    if not user.is_staff:
        return ""
    permissions = (f"accounts.view_{person.kind}", f"accounts.change_{person.kind}")
    if not any(user.has_perm(permission) for permission in permissions):
        return ""
    try:
        return reverse(f"admin:accounts_{person.kind}_change", args=[person.pk])
    except NoReverseMatch:
        return ""


@login_required
@require_POST
def image_delete(request: HttpRequest, analysis_id: int) -> HttpResponse:
    """Delete an image, its metadata and its analysis; back to the gallery."""
    if not has_role(request.user, *IMAGE_DELETERS):
        raise PermissionDenied("Only admins and API clients may delete images.")
    analysis = get_object_or_404(ImageAnalysis, pk=analysis_id)
    name = str(analysis)
    services.image_delete(analysis=analysis)
    messages.success(request, f"Deleted {name}.")
    return redirect("image-gallery")
