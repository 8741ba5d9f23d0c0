"""
Stores every email in the spelling users are now looked up by: without
surrounding spaces, in lower case (UserManager.normalize_email). Until now
lookups ignored case, so a row written in another case still logged in;
with exact lookups it would not.
"""

from django.db import migrations


def normalise(email):
    # Frozen here: a later change to the manager must not change what this
    # migration did.
    return email.strip().lower()


def normalise_stored_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    # Read everything before writing: SQLite does not isolate a cursor
    # from updates to the table it is reading.
    changes = [
        (pk, normalise(email))
        for pk, email in User.objects.values_list("pk", "email").iterator()
        if normalise(email) != email
    ]
    for pk, normalised in changes:
        clash = User.objects.filter(email=normalised).exclude(pk=pk).first()
        if clash is not None:
            raise RuntimeError(
                f"Users {pk} and {clash.pk} have the same email once it is "
                "in lower case; merge or rename one, then migrate again."
            )
        User.objects.filter(pk=pk).update(email=normalised)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(normalise_stored_emails, migrations.RunPython.noop),
    ]
