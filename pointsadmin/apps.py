from django.apps import AppConfig


class PointsAdminConfig(AppConfig):
    name = "pointsadmin"
    verbose_name = "Points Admin"

    def ready(self) -> None:
        from pointsadmin import checks  # noqa: F401 - registers the checks
        from pointsadmin.logging import record_vendor_call
        from vendors.http import vendor_call_finished

        vendor_call_finished.connect(record_vendor_call, dispatch_uid="pointsadmin.logging.record_vendor_call")
