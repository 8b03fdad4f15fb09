"""Task functions: slow work started after the transaction that asked for it commits.

Here they run in-process; on AWS the same functions become Zappa async tasks.
"""

from django.db import transaction

from recognition import services


def index_photo(photo_id: int) -> None:
    """Index one enrolment photo's face."""
    services.photo_index(photo_id=photo_id)


def schedule_photo_index(photo_id: int) -> None:
    """Index the photo once the current transaction commits (a rolled-back row is never seen)."""
    transaction.on_commit(lambda: index_photo(photo_id))
