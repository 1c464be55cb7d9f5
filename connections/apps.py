from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Vendor connections")

    def ready(self) -> None:
        # Saved or deleted connections move the generation of every process's copy (connections.enabled).
        from connections.enabled import connect_receivers

        connect_receivers()
