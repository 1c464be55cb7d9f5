from django.urls import path

from connections import views

app_name = "connections"

urlpatterns = [
    path("", views.connection_list, name="list"),
    path("new/<str:vendor>/", views.connection_create, name="create"),
    path("<int:pk>/edit/", views.connection_edit, name="edit"),
    path("<int:pk>/toggle/", views.connection_toggle, name="toggle"),
    path("<int:pk>/delete/", views.connection_delete, name="delete"),
    path("<int:pk>/test/", views.connection_test, name="test"),
]
