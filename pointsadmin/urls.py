from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from audit import views as audit_views
from exports import views as export_views
from pointsadmin import views
from pointsadmin.forms import LoginForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="ledger:member_search", permanent=False), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    # The audit log's export button: a job of the exports app (the audit app does not import it).
    path("audit/export/", export_views.audit_log_export, name="audit_log_export"),
    path("connections/", include("connections.urls")),
    path("", include("accounts.urls")),
    path("exports/", include("exports.urls")),
    path("", include("ledger.urls")),
]

handler500 = "pointsadmin.views.server_error"
