"""Exports of selected requests: CSV and .xlsx, streamed; each export recorded twice (log and timeline)."""

from django.contrib import admin
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from clinic.staff import staff_name

from .. import exports
from ..access_log import AccessRecord, record_access
from ..timeline import RequestEvent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportMixin:
    def has_export_permission(self, request):
        return request.user.has_perm("appointments.export_consultationrequest")

    @admin.action(description="Export to CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        queryset = self._record_export(request, queryset, "CSV")
        response = StreamingHttpResponse(exports.csv_lines(queryset), content_type="text/csv; charset=utf-8")
        return self._as_download(response, "csv")

    @admin.action(description="Export to Excel (.xlsx)", permissions=["export"])
    def export_xlsx(self, request, queryset):
        queryset = self._record_export(request, queryset, "Excel")
        response = FileResponse(exports.xlsx_file(queryset), content_type=XLSX)
        return self._as_download(response, "xlsx")

    def _record_export(self, request, queryset, form):
        """Record the export before any row leaves; return what is exported, in the list's order.

        `queryset` is the queue as shown (its view, filters, search and order), cut to the ticked rows.
        """
        selected = list(queryset.values_list("pk", "reference"))
        record_access(request, AccessRecord.Kind.EXPORT, [reference for _, reference in selected])
        name = staff_name(request.user)
        RequestEvent.objects.bulk_create(
            (
                RequestEvent(
                    consultation_id=pk, kind=RequestEvent.Kind.EXPORT, actor=request.user, actor_name=name, detail=form
                )
                for pk, _ in selected
            ),
            batch_size=500,
        )
        return queryset.filter(pk__in=[pk for pk, _ in selected])

    @staticmethod
    def _as_download(response, extension):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="consultation-requests-{stamp}.{extension}"'
        response["Cache-Control"] = "no-store"
        return response
