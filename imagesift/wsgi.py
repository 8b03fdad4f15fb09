"""WSGI entry point (gunicorn, Zappa)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesift.settings")

application = get_wsgi_application()
