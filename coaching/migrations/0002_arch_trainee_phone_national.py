"""Trainee phones move from E.164 (+8613812345678) to the one stored form of every app: 11 national
digits (core/phones.py), so the same person is the same key in jobs and coaching."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("coaching", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="UPDATE coaching_trainee SET phone = substr(phone, 4) WHERE phone LIKE '+86%%'",
            reverse_sql="UPDATE coaching_trainee SET phone = '+86' || phone WHERE phone NOT LIKE '+%%'",
        ),
    ]
