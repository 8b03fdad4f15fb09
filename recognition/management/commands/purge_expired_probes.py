"""Delete probe images past their retention period (run it daily, e.g. from cron)."""

from django.core.management.base import BaseCommand

from recognition.services import verification_probes_purge


class Command(BaseCommand):
    help = "Delete probe images whose retention period is over; the audit log rows stay."

    def handle(self, *args, **options) -> None:
        purged = verification_probes_purge()
        self.stdout.write(f"Purged {purged} expired probe image{'' if purged == 1 else 's'}.")
