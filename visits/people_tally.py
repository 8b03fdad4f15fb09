"""What `import_people` did, counted as it goes, and the summary and the exit message told
from the count (kept apart from the command, which does the importing)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from accounts.models import FacePhoto
from visits.imports import ImportTally


@dataclass
class Tally(ImportTally):
    """What the import did, for the closing summary (`failed`: people not imported)."""

    people_created: int = 0
    people_reused: int = 0
    people_updated: int = 0  # reused, with details a manifest row changed
    made_up: int = 0  # employees created with a made-up staff number
    photos_found: int = 0
    indexed: int = 0
    to_enrol: int = 0  # dry run only
    pending: int = 0  # stored; indexing runs in another process
    awaiting_consent: int = 0
    rejected: Counter = field(default_factory=Counter)
    skipped: int = 0
    unreadable: int = 0
    ignored: int = 0

    def count(self, photo: FacePhoto) -> None:
        if photo.state == FacePhoto.State.INDEXED:
            self.indexed += 1
        elif photo.rejection_reason == FacePhoto.Rejection.NO_CONSENT:
            self.awaiting_consent += 1
        elif photo.state == FacePhoto.State.REJECTED:
            self.rejected[photo.rejection_reason] += 1
        else:
            self.pending += 1

    def summary(self, *, kind: str, dry_run: bool) -> list[str]:
        """The closing lines: one of the people, one of the photos."""
        people_line = (
            f"People ({kind}s): {self.people_created} "
            f"{'to create' if dry_run else 'created'}, {self.people_reused} reused"
        )
        if self.people_updated:
            people_line += f" ({self.people_updated} with new details)"
        if self.failed:
            people_line += f", {self.failed} failed"
        if self.made_up:
            people_line += f"; {self.made_up} made-up staff number{'s' if self.made_up > 1 else ''}"
        photos = [f"{self.to_enrol} to enrol"] if dry_run else [f"{self.indexed} indexed"]
        if self.pending:
            photos.append(f"{self.pending} queued for indexing")
        if self.awaiting_consent:
            photos.append(f"{self.awaiting_consent} stored without consent (not indexed)")
        if not dry_run:  # only indexing tells whether a face is usable
            rejected = sum(self.rejected.values())
            reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.rejected.items()))
            photos.append(f"{rejected} rejected" + (f" ({reasons})" if reasons else ""))
        photos.append(f"{self.skipped} skipped (already imported)")
        photos.append(f"{self.unreadable} unreadable")
        if self.ignored:
            photos.append(f"{self.ignored} other files ignored")
        return [people_line + ".", "Photos: " + ", ".join(photos) + "."]

    def failure(self) -> str | None:
        """Why the import exits with status 1 (how much failed), or None when nothing did."""
        failures = []
        if self.unreadable:
            found = self.photos_found
            failures.append(
                f"{self.unreadable} of {found} photo{'s' if found != 1 else ''} unreadable"
            )
        if self.failed:
            failed = self.failed
            failures.append(f"{failed} {'person' if failed == 1 else 'people'} not imported")
        if not failures:
            return None
        return (
            f"{' and '.join(failures)}: see the lines above; fix them and run the import "
            "again (what was imported is skipped)."
        )
