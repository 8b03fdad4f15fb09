"""Security of the site as a whole: sign-in lockout, API request rates, the headers every
answer carries, and Django's deployment check on production settings."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from accounts.roles import Role

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_repeated_failed_sign_ins_lock_the_user_out_even_with_the_right_password(settings):
    settings.AXES_FAILURE_LIMIT = 3
    User.objects.create_user("desk", password="pw-12345678")
    client = Client()

    wrong = [client.post(LOGIN, {"username": "desk", "password": "guess"}) for _ in range(3)]
    right = client.post(LOGIN, {"username": "desk", "password": "pw-12345678"})

    assert [response.status_code for response in wrong[:2]] == [200, 200]  # the form again
    assert wrong[2].status_code == right.status_code == 429
    assert right["Retry-After"] == str(15 * 60)
    assert "Too many failed sign-ins" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_good_sign_in_before_the_limit_clears_the_failures(settings):
    settings.AXES_FAILURE_LIMIT = 3
    User.objects.create_user("desk", password="pw-12345678")
    client = Client()
    for _ in range(2):
        client.post(LOGIN, {"username": "desk", "password": "guess"})

    assert client.post(LOGIN, {"username": "desk", "password": "pw-12345678"}).status_code == 302
    client.logout()
    for _ in range(2):
        assert client.post(LOGIN, {"username": "desk", "password": "guess"}).status_code == 200


def test_an_api_token_past_its_rate_gets_429_json_with_retry_after(api_as, settings):
    settings.IMAGESIFT_API_RATE = "3/minute"
    client = api_as(Role.API_CLIENT)

    statuses = [client.get("/api/v1/verifications/").status_code for _ in range(4)]
    refused = client.get("/api/v1/verifications/")

    assert statuses == [200, 200, 200, 429]
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60


def test_every_answer_carries_the_content_security_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]

    directives = dict(item.strip().split(" ", 1) for item in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "blob:" in directives["img-src"]


def test_https_is_required_in_production(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    client = Client()

    plain = client.get("/healthz")
    secure = client.get("/healthz", secure=True)

    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert secure["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")


def test_the_deployment_check_is_clean_with_production_settings():
    environment = {  # production's: nothing of this test run's own environment
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "imagesift.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k3H8#xq!Vb2@Lm9$Tz4%Wr6^Yn1&Pc5*Ds7(Fg0)Jh-Ek=Ia+Uo_Qe;Zw:Rt",
        "DJANGO_ALLOWED_HOSTS": "desk.example.com",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "System check identified no issues" in completed.stdout
