from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("members/", views.member_search, name="member_search"),
    path("balances/", views.member_search, name="rankings"),
    path("ledger/", views.member_search, name="shop_ledger"),
]
