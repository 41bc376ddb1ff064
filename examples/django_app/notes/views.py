"""Views: a small JSON API and HTML pages with a CSRF-protected form."""

from __future__ import annotations

import datetime
import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from faas_bridge.routing.triggers import trigger_type

from notes.forms import NoteForm
from notes.models import Note

logger = logging.getLogger(__name__)


# The JSON API is for non-browser clients that send no cookies, so CSRF (an
# attack through a browser's cookies) does not apply; it is exempt. A real API
# would authenticate with a token here instead.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def api_notes(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        notes = [note.as_dict() for note in Note.objects.all()]
        return JsonResponse({"notes": notes, "count": len(notes)})

    if request.content_type != "application/json":
        return JsonResponse({"error": "Content-Type must be application/json"}, status=415)
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return JsonResponse({"error": f"invalid JSON: {exc}"}, status=400)
    if not isinstance(data, dict):
        return JsonResponse({"error": "expected a JSON object"}, status=400)
    title, body = data.get("title", ""), data.get("body", "")
    if not isinstance(title, str) or not isinstance(body, str):
        return JsonResponse({"error": "'title' and 'body' must be strings"}, status=400)
    form = NoteForm(data={"title": title, "body": body})
    if not form.is_valid():
        fields = form.errors.get_json_data()
        return JsonResponse({"error": "invalid note", "fields": fields}, status=400)
    note = form.save()
    response = JsonResponse(note.as_dict(), status=201)
    response["Location"] = request.build_absolute_uri(reverse("notes:api-detail", args=[note.pk]))
    return response


@require_GET
def api_note(request: HttpRequest, pk: int) -> HttpResponse:
    note = Note.objects.filter(pk=pk).first()
    if note is None:
        return JsonResponse({"error": f"note {pk} not found"}, status=404)
    return JsonResponse(note.as_dict())


@require_GET
def note_list(request: HttpRequest) -> HttpResponse:
    return render(request, "notes/note_list.html", {"notes": Note.objects.all()})


@require_http_methods(["GET", "POST"])
def note_create(request: HttpRequest) -> HttpResponse:
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.save()
        return redirect(note)  # post/redirect/get: 302 to the note's page
    return render(request, "notes/note_form.html", {"form": form})


@require_GET
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "notes/note_detail.html", {"note": get_object_or_404(Note, pk=pk)})


# The nightly job, run by an EventBridge schedule that faas_bridge delivers here
# as a POST (faas.yml: functions.web.triggers). HTTP clients never reach it:
# faas_bridge answers 404 for a trigger route, and the check below refuses any
# request that is not the schedule's delivery. CSRF is about browsers' cookies;
# a delivery has none.
@csrf_exempt
@require_POST
def nightly(request: HttpRequest) -> HttpResponse:
    if trigger_type(request) != "aws.events.scheduled":
        return JsonResponse({"error": "only the nightly schedule runs this job"}, status=403)
    event = json.loads(request.body)
    since = timezone.now() - datetime.timedelta(days=1)
    digest = {
        "scheduled_at": event.get("time"),
        "notes": Note.objects.count(),
        "notes_last_day": Note.objects.filter(created__gte=since).count(),
    }
    logger.info("nightly digest: %s", digest)
    return JsonResponse(digest)
