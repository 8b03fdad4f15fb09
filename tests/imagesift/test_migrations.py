"""The migrations describe the models as they are: nothing is left for `makemigrations`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration():
    out = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 if any

    assert "No changes detected" in out.getvalue()
