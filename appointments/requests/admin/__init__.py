"""The staff's table of contents for consultation requests; each concern lives in its own module.

- queue.py: the list, its named views (Open work, My open, …) with counts, columns, filters, search
- actions.py: what can be done to the selected requests
- request_page.py: one request's page (what the patient said beside the work bar, reopen, details)
- inlines.py: the request page's notes and timeline
- exports.py: CSV and .xlsx exports
- access_log.py: the accounting of access, read-only
- articles.py: request counts per article, for editors
- booking's "Offer times" page (appointments/booking/admin_pages.py), in the request's work bar
"""

from django.contrib import admin

from ...booking.admin_pages import OfferTimesMixin
from ..models import ConsultationRequest
from . import access_log, articles  # noqa: F401  (they register their own admins)
from .actions import QueueActionsMixin
from .exports import ExportMixin
from .queue import QueueMixin
from .request_page import RequestPageMixin


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(
    QueueMixin, QueueActionsMixin, ExportMixin, RequestPageMixin, OfferTimesMixin, admin.ModelAdmin
):
    class Media:
        css = {"all": ["appointments/admin.css"]}
