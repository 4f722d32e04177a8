"""Trainee login names were "m" + their mobile number; give every such account a random one."""

import secrets

from django.db import migrations


def forwards(apps, schema_editor):
    Trainee = apps.get_model("coaching", "Trainee")
    User = apps.get_model("core", "User")
    for trainee in Trainee.objects.select_related("user").iterator():
        user = trainee.user
        digits = "".join(ch for ch in trainee.phone if ch.isdigit())[-11:]
        if digits and user.username == "m" + digits:
            new = f"t-{secrets.token_hex(6)}"
            while User.objects.filter(username=new).exists():
                new = f"t-{secrets.token_hex(6)}"
            User.objects.filter(pk=user.pk).update(username=new)


class Migration(migrations.Migration):
    dependencies = [("coaching", "0002_arch_trainee_phone_national")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
