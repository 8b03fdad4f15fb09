"""Create (or keep) the demo admin that `make run` signs you in with."""

import os
import secrets

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser for trying ImageSift out: IMAGESIFT_DEMO_ADMIN_USER (default admin) "
        "and IMAGESIFT_DEMO_ADMIN_PASSWORD (default: generated and printed). Idempotent."
    )

    def handle(self, *args, **options):
        username = os.environ.get("IMAGESIFT_DEMO_ADMIN_USER", "admin")
        password = os.environ.get("IMAGESIFT_DEMO_ADMIN_PASSWORD", "")
        user = User.objects.filter(username=username).first()
        if user and not password:
            self.stdout.write(f"Demo admin '{username}' exists; its password is unchanged.")
            return
        password = password or secrets.token_urlsafe(12)
        if user is None:
            User.objects.create_superuser(username, password=password)
            action = "Created"
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
            action = "Updated"
        self.stdout.write(
            self.style.SUCCESS(f"{action} demo admin — user: {username}  password: {password}")
        )
        self.stdout.write(
            "Front desk: http://127.0.0.1:8000/   Admin: http://127.0.0.1:8000/admin/"
        )
