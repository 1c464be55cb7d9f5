# The audit log moved to its own app (audit.0001_initial): only the state changes, the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_roles"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
