from django.urls import path

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
    path("members/<int:connection_id>/<path:member_id>/export.csv", views.member_export, name="member_export"),
    path("members/<int:connection_id>/<path:member_id>/", views.member_detail, name="member_detail"),
    path("balances/", views.rankings, name="rankings"),
    path("balances/export.csv", views.rankings_export, name="rankings_export"),
    path("ledger/", views.shop_ledger, name="shop_ledger"),
    path("ledger/export.csv", views.shop_ledger_export, name="shop_ledger_export"),
]
