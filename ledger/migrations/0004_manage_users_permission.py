"""The manage-users permission (the users and roles page), given to the Admin role."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_to_admins(apps, schema_editor):
    # As in 0002_roles: permissions are normally created after all migrations ran; create them now so
    # that the Admin group can hold the new one.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _ = Group.objects.get_or_create(name="Admin")
    admin.permissions.add(*Permission.objects.filter(content_type__app_label="ledger", codename="manage_users"))


def revoke_from_admins(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="ledger", codename="manage_users").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_auditentry_moved_to_audit"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="ledgerpermissions",
            options={
                "default_permissions": (),
                "managed": False,
                "permissions": [
                    ("lookup_member", "Look up members and their points history"),
                    ("view_rankings", "View balance rankings"),
                    ("view_shop_ledger", "View the shop ledger"),
                    ("export_data", "Export lists as CSV"),
                    ("reveal_mobile", "Reveal masked mobile numbers"),
                    ("view_raw", "See raw vendor replies"),
                    ("manage_connections", "Manage vendor connections"),
                    ("view_audit", "View the audit log"),
                    ("manage_users", "Manage users and their roles"),
                ],
            },
        ),
        migrations.RunPython(grant_to_admins, revoke_from_admins),
    ]
