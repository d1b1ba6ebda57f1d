"""Consultation requests to a spreadsheet: CSV or .xlsx, streamed, with nothing a spreadsheet could run.

CSV: every cell quoted, and any cell where a spreadsheet could start a formula (at its start, or
after a `;`, `,`, tab or line break, where spreadsheets set to another separator split cells) gets
an apostrophe before that character. XLSX: every cell written as text (openpyxl treats a string
starting with "=" as a formula unless told otherwise), and the control characters XML cannot hold
(a vertical tab, ESC…) replaced by U+FFFD, the replacement character. Rows are read from the database in chunks
and written as they come, so 10,000 rows use bounded memory.
"""

import csv
import re
import tempfile

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from clinic.staff import staff_name

from .phones import display_phone

CHUNK = 500
COLUMNS = [
    "reference",
    "received",
    "status",
    "outcome",
    "priority",
    "assigned to",
    "topic",
    "source article",
    "full name",
    "email",
    "phone",
    "preferred contact",
    "preferred times",
    "had spine surgery",
    "warning signs",
    "message",
]
# A formula starts with one of these, at the start of a cell or where a spreadsheet splits one.
FORMULA_START = re.compile(r"(^|[;,\t\r\n]\s*)([=+\-@\t\r])")


def spreadsheet_safe(value):
    text = "" if value is None else str(value)
    return FORMULA_START.sub(r"\1'\2", text)


# openpyxl's pattern covers the control characters; XML also forbids these (lxml refuses them).
NOT_XML_TEXT = re.compile("[\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """The text with every character an .xlsx (XML) cannot hold replaced, so any text can be exported."""
    text = "" if value is None else str(value)
    return NOT_XML_TEXT.sub("\N{REPLACEMENT CHARACTER}", ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", text))


def export_row(consultation):
    return [
        consultation.reference,
        timezone.localtime(consultation.created_at).strftime("%Y-%m-%d %H:%M %Z"),
        consultation.get_status_display(),
        consultation.get_outcome_display(),
        consultation.get_priority_display(),
        staff_name(consultation.assigned_to),
        consultation.topic.name if consultation.topic else "Something else",
        consultation.article.title if consultation.article else "",
        consultation.full_name,
        consultation.email,
        display_phone(consultation.phone),
        consultation.get_preferred_contact_display(),
        consultation.get_preferred_times_display(),
        consultation.get_had_spine_surgery_display(),
        "; ".join(consultation.red_flag_labels),
        consultation.message,
    ]


def rows(queryset):
    """Each request's cells, read in chunks of CHUNK."""
    yield COLUMNS
    for consultation in queryset.select_related("topic", "article", "assigned_to").iterator(chunk_size=CHUNK):
        yield export_row(consultation)


class _Line:
    """A file-like object for csv.writer that hands back what was written."""

    def write(self, text):
        return text


def csv_lines(queryset):
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL)
    yield "\ufeff"  # so Excel reads the file as UTF-8
    for row in rows(queryset):
        yield writer.writerow([spreadsheet_safe(value) for value in row])


def xlsx_file(queryset):
    """A temporary file holding the workbook (write-only: rows go to disk as they are added)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Consultation requests")
    for row in rows(queryset):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xml_safe(value))
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    workbook.save(output)
    output.seek(0)
    return output
