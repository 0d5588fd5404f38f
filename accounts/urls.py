"""The signed-in person's own pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("name/", views.your_name, name="your-name"),
]
