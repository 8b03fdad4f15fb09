"""WSGI entry point (gunicorn, Zappa)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesift.settings")
# One worker process per core: numpy's BLAS and faiss's OpenMP must not start threads
# that compete with the other workers (measured: a third less throughput with 4 clients,
# bench/verify.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (configured by the line above)

if settings.IMAGESIFT_WARM_START:
    from imagesift.warm_start import warm_start

    warm_start()
