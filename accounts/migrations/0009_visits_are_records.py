"""A visitor's window, host and status move to their visits (visits 0002 made one visit of each);
and a person's consent records the privacy notice's version they read.

Backwards, each visitor takes back the window, host and status of their latest visit (a visitor
without any gets an hour from when they were registered), before the fields are required again.
"""

from datetime import timedelta

from django.db import migrations, models

STATUS_BACK = {
    "invited": "expected",
    "expected": "expected",
    "checked_in": "on_site",
    "checked_out": "left",
    "cancelled": "cancelled",
    "no_show": "cancelled",
}


def visitors_from_visits(apps, schema_editor):
    Visitor = apps.get_model("accounts", "Visitor")
    Visit = apps.get_model("visits", "Visit")
    for visitor in Visitor.objects.all().iterator():
        visit = Visit.objects.filter(visitor_id=visitor.pk).order_by("-starts_at").first()
        if visit is None:
            start = visitor.created_at
            fields = {"visit_start": start, "visit_end": start + timedelta(hours=1)}
        else:
            fields = {
                "host_id": visit.host_id,
                "visit_start": visit.starts_at,
                "visit_end": visit.ends_at,
                "status": STATUS_BACK[visit.status],
            }
        Visitor.objects.filter(pk=visitor.pk).update(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_notification_permissions"),
        ("visits", "0002_one_visit_per_visitor"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="visitor", name="visit_ends_after_start"),
        # Nullable first, so that going back can add them before it fills them in.
        migrations.AlterField(
            model_name="visitor", name="visit_start", field=models.DateTimeField(null=True)
        ),
        migrations.AlterField(
            model_name="visitor", name="visit_end", field=models.DateTimeField(null=True)
        ),
        migrations.RunPython(migrations.RunPython.noop, visitors_from_visits),
        migrations.RemoveField(model_name="visitor", name="host"),
        migrations.RemoveField(model_name="visitor", name="status"),
        migrations.RemoveField(model_name="visitor", name="visit_end"),
        migrations.RemoveField(model_name="visitor", name="visit_start"),
        migrations.AddField(
            model_name="person",
            name="consent_notice_version",
            field=models.CharField(blank=True, max_length=32),
        ),
    ]
