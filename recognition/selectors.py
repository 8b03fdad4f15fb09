"""Reads of the audit log, of who is on site (and the roll call), and of what calibrates the
thresholds; no writes here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from accounts.collection import face_collection
from accounts.models import Employee, Visitor
from accounts.selectors import people_by_keys
from recognition import calibration
from recognition.models import DecisionFeedback, GalleryMeasurement, Muster, Verification
from visits.models import Visit
from visits.selectors import visits_checked_in

Verdict = DecisionFeedback.Verdict
THRESHOLD_SETTINGS = {
    "local": "IMAGESIFT_MATCH_THRESHOLD",
    "rekognition": "IMAGESIFT_REKOGNITION_MATCH_THRESHOLD",
}


def verifications_list(
    *,
    decision: str = "",
    channel: str = "",
    person_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Verification]:
    """Verifications, newest first, filtered by what is given."""
    queryset = Verification.objects.select_related(
        "person", "person__employee", "person__visitor", "visit__host", "visit__visitor"
    ).prefetch_related(
        "person__employee__photos", "person__visitor__photos", "visit__visitor__photos"
    )
    if decision:
        queryset = queryset.filter(decision=decision)
    if channel:
        queryset = queryset.filter(channel=channel)
    if person_id is not None:
        queryset = queryset.filter(person_id=person_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


def verifications_for_day(day: date | None = None, *, limit: int = 20) -> list[Verification]:
    """The most recent verifications of a day (today, in the site's time zone, by default)."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day, time.max))
    return list(verifications_list(since=start, until=end)[:limit])


# The decisions that say who someone is: being verified so, anywhere, accounts for them.
IDENTIFIED = [
    Verification.Decision.EMPLOYEE,
    Verification.Decision.VISITOR,
    Verification.Decision.VISITOR_OUTSIDE_WINDOW,
    Verification.Decision.VISIT_CANCELLED,
    Verification.Decision.VISITOR_CHECKED_OUT,
]


@dataclass(frozen=True)
class PresentVisitor:
    visit: Visit  # checked in, not yet out
    accounted_for_at: datetime | None  # their first verification since the muster started

    @property
    def visitor(self) -> Visitor:
        return self.visit.visitor


@dataclass(frozen=True)
class PresentEmployee:
    employee: Employee
    last_verified_at: datetime
    accounted_for_at: datetime | None


@dataclass(frozen=True)
class OnSite:
    """Who is on site, by name, and the roll call of the active muster if there is one."""

    visitors: list[PresentVisitor]
    employees: list[PresentEmployee]
    muster: Muster | None

    @property
    def people(self) -> list[PresentVisitor | PresentEmployee]:
        return [*self.visitors, *self.employees]

    @property
    def accounted_for(self) -> int:
        return sum(1 for present in self.people if present.accounted_for_at is not None)

    @property
    def missing(self) -> int:
        """Nobody is missing without a muster."""
        return len(self.people) - self.accounted_for if self.muster else 0


def active_muster() -> Muster | None:
    return Muster.objects.filter(ended_at__isnull=True).first()


def on_site(now: datetime | None = None) -> OnSite:
    """Who is on site: the one place that decides it.

    Visitors checked in and not yet out, and employees admitted (decision `employee`) today,
    in the site's time zone, each once with their latest verification. During the active
    muster, each of them verified by face (any channel) since it started is accounted for.
    """
    now = now or timezone.now()
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    latest = dict(
        Verification.objects.filter(
            decision=Verification.Decision.EMPLOYEE,
            person__isnull=False,
            created_at__gte=start,
            created_at__lt=start + timedelta(days=1),
        )
        .order_by()
        .values("person_id")
        .annotate(latest=Max("created_at"))
        .values_list("person_id", "latest")
    )
    visits = list(visits_checked_in())
    employees = list(Employee.objects.filter(pk__in=latest).order_by("name", "id"))
    muster = active_muster()
    accounted = {}
    if muster is not None:
        accounted = dict(
            Verification.objects.filter(
                decision__in=IDENTIFIED,
                person_id__in=[*latest, *(visit.visitor_id for visit in visits)],
                created_at__gte=muster.started_at,
            )
            .order_by()
            .values("person_id")
            .annotate(first=Min("created_at"))
            .values_list("person_id", "first")
        )
    return OnSite(
        visitors=[PresentVisitor(visit, accounted.get(visit.visitor_id)) for visit in visits],
        employees=[
            PresentEmployee(employee, latest[employee.pk], accounted.get(employee.pk))
            for employee in employees
        ],
        muster=muster,
    )


@dataclass(frozen=True)
class CalibrationData:
    """Everything the calibration page and API show (`recognition.calibration` explains it)."""

    engine: str
    match_threshold: float
    threshold_setting: str  # where the match threshold is set
    deny_list_threshold: float
    target_false_accept_rate: float
    confirmed_right: list[float]  # similarities of decisions marked correct
    confirmed_wrong: list[float]  # ... marked wrong_person, or admitted after an ID check
    missed: int  # decisions marked missed (no similarity to the right person is known)
    measurement: GalleryMeasurement | None  # the latest finished one, for this engine
    measurement_waiting: bool  # one is pending or running
    # The measurement's closest pairs of people (still enrolled), nearest first.
    closest_pairs: list[tuple[Employee | Visitor, Employee | Visitor, float]]
    false_accepts: calibration.FalseAcceptEstimate | None
    suggestion: calibration.Suggestion


def calibration_read() -> CalibrationData:
    """The thresholds in force, the confirmed decisions of this engine, and its latest gallery
    measurement, with the estimate and suggestion made of them."""
    collection = face_collection()
    latest_marks = DecisionFeedback.objects.filter(
        verification__engine=collection.name, verification__similarity__isnull=False
    ).order_by("verification_id", "-created_at", "-id")
    right, wrong, seen = [], [], set()
    for verification_id, verdict, decision, similarity in latest_marks.values_list(
        "verification_id", "verdict", "verification__decision", "verification__similarity"
    ):
        if verification_id in seen:
            continue  # an older mark: the latest one counts
        seen.add(verification_id)
        if verdict == Verdict.CORRECT:
            right.append(similarity)
        elif _not_that_person(verdict, decision):
            wrong.append(similarity)
    measurements = GalleryMeasurement.objects.filter(engine__in=["", collection.name])
    measurement = measurements.filter(state=GalleryMeasurement.State.DONE).first()
    nearest = measurement.nearest_similarities if measurement else []
    target = settings.IMAGESIFT_CALIBRATION_TARGET_FAR_PERCENT / 100
    return CalibrationData(
        engine=collection.name,
        match_threshold=collection.match_threshold,
        threshold_setting=THRESHOLD_SETTINGS.get(collection.name, ""),
        deny_list_threshold=collection.deny_list_threshold,
        target_false_accept_rate=target,
        confirmed_right=sorted(right),
        confirmed_wrong=sorted(wrong),
        missed=DecisionFeedback.objects.filter(
            verdict=Verdict.MISSED, verification__engine=collection.name
        ).count(),
        measurement=measurement,
        closest_pairs=_closest_pairs(measurement),
        measurement_waiting=measurements.filter(
            state__in=[GalleryMeasurement.State.PENDING, GalleryMeasurement.State.RUNNING]
        ).exists(),
        false_accepts=(
            calibration.false_accepts(nearest, collection.match_threshold) if nearest else None
        ),
        suggestion=calibration.suggest_threshold(
            nearest, wrong, right, target_false_accept_rate=target
        ),
    )


def _not_that_person(verdict: str, decision: str) -> bool:
    """Whether a mark says the probe was not the person it scored against: a wrong match, or a
    possible deny-list match that an ID check cleared."""
    return verdict == Verdict.WRONG_PERSON or (
        verdict == Verdict.ADMITTED_AFTER_ID_CHECK
        and decision == Verification.Decision.POSSIBLE_DENIED
    )


def _closest_pairs(
    measurement: GalleryMeasurement | None,
) -> list[tuple[Employee | Visitor, Employee | Visitor, float]]:
    pairs = measurement.closest_pairs if measurement else []
    people = people_by_keys(str(person_id) for pair in pairs for person_id in pair[:2])
    return [
        (people[str(first)], people[str(second)], similarity)
        for first, second, similarity in pairs
        if str(first) in people and str(second) in people
    ]
