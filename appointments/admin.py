"""The admin of both rooms: each registers its own (requests and triage, then booking)."""

from .booking import admin as booking_admin  # noqa: F401
from .requests import admin as requests_admin  # noqa: F401
