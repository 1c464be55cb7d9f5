from django.urls import path

from exports import views as export_views
from ledger import views

app_name = "ledger"

urlpatterns = [
    path("members/", views.member_search, name="member_search"),
    path("members/panel/<int:connection_id>/", views.member_panel, name="member_panel"),
    path("members/reveal-mobile/", views.reveal_mobile, name="reveal_mobile"),
    # Before the member page: a member id may hold "/" (<path:>), which would swallow these suffixes.
    path(
        "members/<int:connection_id>/<path:member_id>/summary/",
        views.member_period_summary,
        name="member_period_summary",
    ),
    path("members/<int:connection_id>/<path:member_id>/export/", export_views.member_export, name="member_export"),
    path("members/<int:connection_id>/<path:member_id>/", views.member_detail, name="member_detail"),
    path("balances/", views.rankings, name="rankings"),
    path("balances/export/", export_views.rankings_export, name="rankings_export"),
    path("ledger/", views.shop_ledger, name="shop_ledger"),
    path("ledger/export/", export_views.shop_ledger_export, name="shop_ledger_export"),
]
