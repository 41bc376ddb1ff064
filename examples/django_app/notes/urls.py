from django.urls import path

from notes import views

app_name = "notes"

urlpatterns = [
    path("api/notes/", views.api_notes, name="api"),
    path("api/notes/<int:pk>/", views.api_note, name="api-detail"),
    path("notes/", views.note_list, name="list"),
    path("notes/new/", views.note_create, name="create"),
    path("notes/<int:pk>/", views.note_detail, name="detail"),
    path("internal/jobs/nightly/", views.nightly, name="nightly"),
]
