"""Zappa's Lambda handler in-process, set up as the package built from zappa_settings.json."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.urls import set_script_prefix
from zappa import handler as zappa_handler
from zappa.cli import ZappaCLI

from tests.aws import FUNCTION_NAME, REGION, fake_aws_credentials

REPO = Path(django_settings.BASE_DIR)
STAGE = "dev"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "lambda_package: needs the package `make lambda-package` builds"
    )


def zappa_stage(stage: str = STAGE) -> dict:
    """One stage of zappa_settings.json, with what it extends."""
    stages = json.loads((REPO / "zappa_settings.json").read_text())
    config = stages[stage]
    return {**zappa_stage(config["extends"]), **config} if "extends" in config else config


@pytest.fixture(scope="session")
def packaged_zappa_settings() -> str:
    """The zappa_settings.py module `zappa package dev` writes into the package."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake_aws_credentials(monkeypatch)
        cli = ZappaCLI()
        cli.api_stage = STAGE
        cli.load_settings(settings_file=str(REPO / "zappa_settings.json"))
        return cli.get_zappa_settings_string()


def lambda_context() -> SimpleNamespace:
    return SimpleNamespace(
        function_name=FUNCTION_NAME,
        aws_request_id="c6af9ac6-7b61-11e6-9a41-93e812345678",
        invoked_function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION_NAME}",
        memory_limit_in_mb=zappa_stage()["memory_size"],
        get_remaining_time_in_millis=lambda: 30_000,
    )


@pytest.fixture
def lambda_handler(
    packaged_zappa_settings: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[dict], object]]:
    """Invoke the Lambda entry point (`handler.lambda_handler`) with an event, as Lambda does.

    The settings module is the packaged one, but with the test settings and no remote env file.
    Everything the handler sets up (singleton, environment, root log level) is undone after.
    """
    module = packaged_zappa_settings + "DJANGO_SETTINGS = 'imagesift.test_settings'\n"
    module += "REMOTE_ENV = None\n"
    (tmp_path / "zappa_settings.py").write_text(module)
    monkeypatch.syspath_prepend(str(tmp_path))
    packaged = importlib.import_module("zappa_settings")
    handler_sets = ["SERVERTYPE", "FRAMEWORK", "PROJECT", "STAGE", "DJANGO_SETTINGS_MODULE"]
    for name in [*packaged.ENVIRONMENT_VARIABLES, *handler_sets]:
        monkeypatch.delenv(name, raising=False)  # restored after, whatever the handler sets
    monkeypatch.setattr(zappa_handler.LambdaHandler, "_LambdaHandler__instance", None)
    root_level = logging.getLogger().level
    zappa_handler.LambdaHandler()  # a cold start: loads settings and the Django app
    try:
        yield lambda event: zappa_handler.lambda_handler(event, lambda_context())
    finally:
        sys.modules.pop("zappa_settings", None)
        logging.getLogger().setLevel(root_level)


@pytest.fixture(autouse=True)
def _restore_url_prefix() -> Iterator[None]:
    """Zappa's handler serves under the stage's path (`/dev/`) and leaves Django's URL prefix set
    for the thread; later tests build URLs from `/` again."""
    yield
    set_script_prefix("/")
