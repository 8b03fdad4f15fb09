"""The migration that made visits records of their own: each visitor registered before gets one
visit with their window, host and status, and back again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("accounts", "0008_notification_permissions"),
    ("recognition", "0008_muster"),
    ("visits", "0001_visits"),
]
AFTER = [("accounts", "0009_visits_are_records"), ("visits", "0002_one_visit_per_visitor")]
START, END = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 17, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_visitors():
    """The visitors of before: each with their own window, host and status."""
    apps = migrate(BEFORE)
    Employee = apps.get_model("accounts", "Employee")
    Visitor = apps.get_model("accounts", "Visitor")
    host = Employee.objects.create(name="Hedy Lamarr", staff_number="E-1", kind="employee")
    for name, status in [
        ("Expected One", "expected"),
        ("On Site", "on_site"),
        ("Gone Home", "left"),
        ("Called Off", "cancelled"),
    ]:
        Visitor.objects.create(
            name=name, kind="visitor", host=host, visit_start=START, visit_end=END, status=status
        )
    yield host
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_each_visitor_gets_one_visit_and_back(old_visitors):
    apps = migrate(AFTER)
    Visit = apps.get_model("visits", "Visit")

    visits = {visit.visitor.name: visit for visit in Visit.objects.select_related("visitor")}

    assert {name: visit.status for name, visit in visits.items()} == {
        "Expected One": "expected",
        "On Site": "checked_in",
        "Gone Home": "checked_out",
        "Called Off": "cancelled",
    }
    assert all((v.starts_at, v.ends_at) == (START, END) for v in visits.values())
    assert {visit.host_id for visit in visits.values()} == {old_visitors.pk}
    assert visits["On Site"].checked_in_at == START and visits["On Site"].checked_out_at is None
    assert visits["Gone Home"].checked_out_at == END

    apps = migrate(BEFORE)
    Visitor = apps.get_model("accounts", "Visitor")
    back = dict(Visitor.objects.values_list("name", "status"))
    assert back == {
        "Expected One": "expected",
        "On Site": "on_site",
        "Gone Home": "left",
        "Called Off": "cancelled",
    }
