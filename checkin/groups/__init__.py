"""School groups' pages (issue 19): the teacher's request and private group page, and the
guardian's consent page. No account: each page is reached by its own unguessable link."""

from flask import Blueprint

bp = Blueprint("groups", __name__)

from . import views  # noqa: E402,F401  (registers the routes)
