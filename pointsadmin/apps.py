from django.apps import AppConfig


class PointsAdminConfig(AppConfig):
    """The project's own app: connects the receivers that keep cached access rights fresh."""

    name = "pointsadmin"
    verbose_name = "Points Admin"

    def ready(self) -> None:
        from pointsadmin.access import connect_receivers

        connect_receivers()

        from pointsadmin.logging import record_vendor_call
        from vendors.signals import vendor_call_finished

        vendor_call_finished.connect(record_vendor_call, dispatch_uid="pointsadmin.logging.record_vendor_call")
