"""Warm start: a server process loads the engine's models as it starts (imagesift/wsgi.py)."""

import json
import os
import subprocess
import sys

import pytest

from accounts.collection import STORE, face_collection
from imagesift.warm_start import warm_start
from tests.factories import enroll, make_employee

pytestmark = pytest.mark.django_db(transaction=True)

LOADED = """
import json, imagesift.wsgi
from vision.faces import local_models as faces
from vision.analysis import local_models as analysis
print(json.dumps({"face_models": len(faces._idle_models),
                  "ocr": analysis._ocr.cache_info().currsize,
                  "labels": analysis._detector.cache_info().currsize}))
"""


def models_loaded_by_wsgi(tmp_path, warm_start: str) -> dict:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "imagesift.settings",
        "IMAGESIFT_ENGINE": "local",
        "DJANGO_DEBUG": "1",
        "IMAGESIFT_WARM_START": warm_start,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # not migrated: no gallery
    }
    answer = subprocess.run(
        [sys.executable, "-c", LOADED], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(answer.stdout.splitlines()[-1])


def test_a_server_process_loads_every_model_as_it_starts(tmp_path):
    assert models_loaded_by_wsgi(tmp_path, "1") == {"face_models": 1, "ocr": 1, "labels": 1}


def test_warm_start_can_be_turned_off(tmp_path):
    assert models_loaded_by_wsgi(tmp_path, "0") == {"face_models": 0, "ocr": 0, "labels": 0}


def test_warm_start_loads_the_face_gallery(faces):
    name = faces.people_with(2)[0]
    enroll(make_employee(name), faces.of(name)[0])
    collection = face_collection()
    collection._gallery = None  # as in a process that just started

    warm_start()

    assert collection._gallery is not None
    assert collection._gallery.version == STORE.version()
    assert len(collection._gallery.vectors) == 1
