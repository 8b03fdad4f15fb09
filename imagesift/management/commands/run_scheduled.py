"""Run the scheduled work off AWS, from cron: what AWS's scheduled events run there."""

from django.core.management.base import BaseCommand, CommandParser

from imagesift.schedule import SCHEDULE, dotted_path

EVERY = {"1m": "rate(1 minute)", "15m": "rate(15 minutes)", "daily": "rate(1 day)"}


class Command(BaseCommand):
    help = (
        "Run the work AWS runs on a schedule: --every 1m sends the notifications that are due "
        "(retries); --every 15m queues again photos, analyses and measurements left waiting or "
        "stuck (a crashed or killed worker); --every daily purges expired probe images and "
        "rejected photos and repairs the face collection. For cron: "
        "'* * * * * manage.py run_scheduled --every 1m', "
        "'*/15 * * * * manage.py run_scheduled --every 15m' and "
        "'30 3 * * * manage.py run_scheduled --every daily'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", choices=EVERY, required=True)

    def handle(self, *args, every: str, **options) -> None:
        for job in SCHEDULE[EVERY[every]]:
            result = job()
            self.stdout.write(f"{dotted_path(job)}: {result}")
