"""URL configuration for mysite."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="notes:list", permanent=False)),
    path("admin/", admin.site.urls),
    path("", include("notes.urls")),
]
