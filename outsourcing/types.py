"""Typing helpers shared by the apps."""

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthedRequest(HttpRequest):
    """A request behind @login_required: its user is a real user."""

    user: User
