"""Creates the three role groups with their permissions (see pointsadmin/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of pointsadmin.roles at the time of this migration: migrations must not change
# when the code does.
ROLE_PERMISSIONS = {
    "Support": ["lookup_member"],
    "Manager": ["lookup_member", "view_rankings", "view_shop_ledger", "export_data", "reveal_mobile"],
    "Admin": [
        "lookup_member",
        "view_rankings",
        "view_shop_ledger",
        "export_data",
        "reveal_mobile",
        "view_raw",
        "manage_connections",
        "view_audit",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them now so that the
    # groups can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        permissions = Permission.objects.filter(content_type__app_label="ledger", codename__in=codenames)
        group.permissions.add(*permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
