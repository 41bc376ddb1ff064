"""A small notes service in Flask, written to run unchanged on a server or on AWS Lambda.

Nothing in this module knows about Lambda: ``handler.py`` wraps ``app`` with
faas_bridge. Locally, run ``flask --app app run`` from this directory.

What it shows:

* a JSON API: ``GET/POST /api/notes`` and ``GET /api/notes/<id>``
  (input validated, errors as JSON with 400/404);
* an HTML page with a form that POSTs ``application/x-www-form-urlencoded``
  and redirects (303, post/redirect/get);
* file upload (``multipart/form-data``) and binary download;
* cookies: two set in one response, read back on the next request;
* the signed Flask session;
* redirects and links built with ``url_for``, so they include the mount point
  (the API Gateway stage, e.g. ``/prod``) that faas_bridge passes as SCRIPT_NAME.

Data lives in memory: each Lambda instance has its own, and it is lost on cold
start. Use a database or S3 for anything real.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Flask,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from werkzeug.utils import secure_filename

MAX_TITLE = 200
MAX_BODY = 10_000
THEMES = ("light", "dark")
LANGUAGES = ("en", "fr", "de")

app = Flask(__name__)
app.config.update(
    # A fixed fallback keeps the demo working out of the box; set
    # FLASK_SECRET_KEY (e.g. from Secrets Manager) for anything real.
    SECRET_KEY=os.environ.get("FLASK_SECRET_KEY", "demo-only-not-secret-change-me"),
    # API Gateway and Lambda refuse payloads above 6 MB (base64 included).
    MAX_CONTENT_LENGTH=4 * 1024 * 1024,
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
)


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Store:
    """In-memory notes and uploads; a lock because Flask's dev server is threaded."""

    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    files: dict[int, Upload] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_note(self, title: str, body: str) -> dict[str, Any]:
        with self._lock:
            note = {"id": next(self._ids), "title": title, "body": body}
            self.notes[note["id"]] = note
        return note

    def add_file(self, upload: Upload) -> int:
        with self._lock:
            file_id = next(self._ids)
            self.files[file_id] = upload
        return file_id

    def clear(self) -> None:
        with self._lock:
            self.notes.clear()
            self.files.clear()
            self._ids = itertools.count(1)


store = Store()


def validate_note(data: Any) -> tuple[dict[str, str] | None, str | None]:
    """(clean note fields, None) or (None, error message)."""
    if not isinstance(data, dict):
        return None, "expected a JSON object"
    title = data.get("title")
    body = data.get("body", "")
    if not isinstance(title, str) or not title.strip():
        return None, "'title' is required and must be a non-empty string"
    if len(title.strip()) > MAX_TITLE:
        return None, f"'title' must be at most {MAX_TITLE} characters"
    if not isinstance(body, str):
        return None, "'body' must be a string"
    if len(body) > MAX_BODY:
        return None, f"'body' must be at most {MAX_BODY} characters"
    return {"title": title.strip(), "body": body}, None


# --- JSON API -----------------------------------------------------------------


@app.get("/api/notes")
def list_notes():
    notes = sorted(store.notes.values(), key=lambda n: n["id"])
    return jsonify(notes=notes, count=len(notes))


@app.post("/api/notes")
def create_note():
    if not request.is_json:
        return jsonify(error="Content-Type must be application/json"), 415
    fields, error = validate_note(request.get_json(silent=True))
    if error is not None or fields is None:
        return jsonify(error=error or "invalid JSON"), 400
    note = store.add_note(**fields)
    response = jsonify(note)
    response.status_code = 201
    response.headers["Location"] = url_for("get_note", note_id=note["id"], _external=True)
    return response


@app.get("/api/notes/<int:note_id>")
def get_note(note_id: int):
    note = store.notes.get(note_id)
    if note is None:
        return jsonify(error=f"note {note_id} not found"), 404
    return jsonify(note)


# --- HTML pages and form --------------------------------------------------------


def newest_first() -> list[dict[str, Any]]:
    return sorted(store.notes.values(), key=lambda n: n["id"], reverse=True)


@app.get("/")
def index():
    return render_template("index.html", notes=newest_first(), user=session.get("user"))


@app.post("/notes")
def create_note_form():
    fields, error = validate_note(
        {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
    )
    if error is not None or fields is None:
        page = render_template(
            "index.html", notes=newest_first(), user=session.get("user"), error=error
        )
        return page, 400
    note = store.add_note(**fields)
    # 303: the browser follows with a GET, so a reload does not post twice.
    return redirect(url_for("show_note", note_id=note["id"]), code=303)


@app.get("/notes/<int:note_id>")
def show_note(note_id: int):
    note = store.notes.get(note_id)
    if note is None:
        return render_template("404.html"), 404
    return render_template("note.html", note=note)


@app.get("/start")
def start():
    """An old entry point, kept as a redirect to the home page."""
    return redirect(url_for("index"))


# --- Files ----------------------------------------------------------------------


@app.post("/files")
def upload_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify(error="send the file in a multipart/form-data field named 'file'"), 400
    data = upload.read()
    filename = secure_filename(upload.filename) or "upload.bin"
    file_id = store.add_file(Upload(filename, upload.mimetype or "", data))
    return jsonify(
        id=file_id,
        filename=filename,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        description=request.form.get("description", ""),
        download_url=url_for("download_file", file_id=file_id),
    ), 201


@app.get("/files/<int:file_id>")
def download_file(file_id: int):
    upload = store.files.get(file_id)
    if upload is None:
        return jsonify(error=f"file {file_id} not found"), 404
    return send_file(
        io.BytesIO(upload.data),
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=upload.filename,
    )


# --- Cookies and session ---------------------------------------------------------


@app.get("/preferences")
def get_preferences():
    return jsonify(
        theme=request.cookies.get("theme", "light"), lang=request.cookies.get("lang", "en")
    )


@app.post("/preferences")
def set_preferences():
    theme = request.form.get("theme", "light")
    lang = request.form.get("lang", "en")
    if theme not in THEMES or lang not in LANGUAGES:
        return jsonify(error=f"theme must be one of {THEMES}, lang one of {LANGUAGES}"), 400
    response = jsonify(theme=theme, lang=lang)
    # Scoped to wherever the app is mounted (e.g. /prod/ on an API Gateway stage).
    path = request.script_root + "/"
    one_year = 365 * 24 * 3600
    response.set_cookie("theme", theme, max_age=one_year, path=path, samesite="Lax")
    response.set_cookie("lang", lang, max_age=one_year, path=path, samesite="Lax")
    return response


@app.post("/session")
def login():
    """A stand-in for a login: remember a user name in the signed session."""
    user = request.form.get("user", "").strip()
    if not user:
        return jsonify(error="'user' is required"), 400
    session.clear()
    session["user"] = user
    session["visits"] = 0
    return jsonify(user=user)


@app.get("/session")
def whoami():
    if "user" not in session:
        return jsonify(user=None, visits=0)
    session["visits"] = session.get("visits", 0) + 1
    return jsonify(user=session["user"], visits=session["visits"])


@app.delete("/session")
def logout():
    session.clear()
    return "", 204


if __name__ == "__main__":
    app.run(debug=True)
