"""Admin registrations of the core app."""

from . import portability_admin  # noqa: F401  (registers the deleted-businesses log)
