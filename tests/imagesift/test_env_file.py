"""The development `.env`: `make` writes it once, `manage.py` reads it on its own (outside `make`),
the real environment wins over it, and without it production still refuses to start keyless."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

REFUSAL = "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development"
PRINT_SETTINGS = "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"


def manage(tmp_path: Path, env_file: Path, *args: str, **environment: str):
    """Run manage.py as a user's shell would, without this test run's DJANGO_* variables."""
    clean = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "DJANGO_SETTINGS_MODULE": "imagesift.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "IMAGESIFT_ENV_FILE": str(env_file),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=clean | environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def make(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path))}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=django_settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env_file(tmp_path) -> Path:
    path = tmp_path / ".env"
    path.write_text("# development\nDJANGO_DEBUG=1\nDJANGO_SECRET_KEY=from-the-env-file\n")
    return path


def test_manage_py_runs_with_the_env_file_alone(tmp_path, env_file):
    completed = manage(tmp_path, env_file, "check")

    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout


def test_without_the_env_file_a_missing_secret_key_stops_manage_py(tmp_path):
    completed = manage(tmp_path, tmp_path / "missing.env", "check")

    assert completed.returncode != 0
    assert "ImproperlyConfigured" in completed.stderr and REFUSAL in completed.stderr


def test_the_real_environment_wins_over_the_env_file(tmp_path, env_file):
    read = manage(tmp_path, env_file, "shell", "--no-imports", "-c", PRINT_SETTINGS)
    overridden = manage(
        tmp_path,
        env_file,
        "shell",
        "--no-imports",
        "-c",
        PRINT_SETTINGS,
        DJANGO_SECRET_KEY="from-the-shell",
    )
    production = manage(tmp_path, env_file, "check", DJANGO_DEBUG="0")

    assert read.stdout.split() == ["True", "from-the-env-file"], read.stderr
    assert overridden.stdout.split() == ["True", "from-the-shell"], overridden.stderr
    # DJANGO_DEBUG=0 of the real environment wins: the file's secret key is used, not refused.
    assert production.returncode == 0, production.stderr


def test_an_env_file_without_a_secret_key_is_refused_in_production(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\n")

    completed = manage(tmp_path, env_file, "check", DJANGO_DEBUG="0")

    assert completed.returncode != 0 and REFUSAL in completed.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_writes_the_env_file_once_and_manage_py_works_with_it(tmp_path):
    env_file = tmp_path / ".env"

    written = make(f"IMAGESIFT_ENV_FILE={env_file}", str(env_file), tmp_path=tmp_path)

    assert written.returncode == 0, written.stderr
    lines = env_file.read_text().splitlines()
    assert "DJANGO_DEBUG=1" in lines
    keys = [line.removeprefix("DJANGO_SECRET_KEY=") for line in lines if "SECRET_KEY=" in line]
    assert len(keys) == 1 and len(keys[0]) >= 50
    assert env_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert not (tmp_path / ".env.tmp").exists()
    completed = manage(tmp_path, env_file, "shell", "--no-imports", "-c", PRINT_SETTINGS)
    assert completed.stdout.split() == ["True", keys[0]], completed.stderr

    again = make(f"IMAGESIFT_ENV_FILE={env_file}", str(env_file), tmp_path=tmp_path)

    assert again.returncode == 0 and keys[0] in env_file.read_text()  # kept, not overwritten

    other = tmp_path / "other.env"
    make(f"IMAGESIFT_ENV_FILE={other}", str(other), tmp_path=tmp_path)
    assert keys[0] not in other.read_text()  # each file gets a key of its own


@pytest.mark.skipif(shutil.which("make") is None, reason="no make on this machine")
def test_make_run_writes_the_env_file_before_it_starts(tmp_path):
    env_file = tmp_path / ".env"

    planned = make("-n", "run", f"IMAGESIFT_ENV_FILE={env_file}", tmp_path=tmp_path)

    assert planned.returncode == 0, planned.stderr
    assert f"> {env_file}.tmp" in planned.stdout
    assert planned.stdout.index(str(env_file)) < planned.stdout.index("manage.py migrate")
    assert not env_file.exists()  # -n: planned, not run
