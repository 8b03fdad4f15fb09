"""Each visitor registered before visits were records of their own gets one visit: their window,
host and status (expected, on site -> checked in, left -> checked out, cancelled)."""

from django.db import migrations

STATUS = {
    "expected": "expected",
    "on_site": "checked_in",
    "left": "checked_out",
    "cancelled": "cancelled",
}


def one_visit_per_visitor(apps, schema_editor):
    Visitor = apps.get_model("accounts", "Visitor")
    Visit = apps.get_model("visits", "Visit")
    visits = []
    for visitor in Visitor.objects.all().iterator():
        status = STATUS.get(visitor.status, "expected")
        visits.append(
            Visit(
                visitor_id=visitor.pk,
                host_id=visitor.host_id,
                starts_at=visitor.visit_start,
                ends_at=visitor.visit_end,
                status=status,
                checked_in_at=visitor.visit_start if status in ("checked_in", "checked_out") else None,
                checked_out_at=visitor.visit_end if status == "checked_out" else None,
                created_at=visitor.created_at,
                created_by_name="migrated",
            )
        )
    Visit.objects.bulk_create(visits, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_visits")]

    # Backwards, accounts 0009 gives the visitors their fields back from these visits.
    operations = [migrations.RunPython(one_visit_per_visitor, migrations.RunPython.noop)]
