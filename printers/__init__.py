"""Ticket printing: documents (queue ticket, 情况说明, consent form, test page) rendered as
ESC/POS with Chinese text and sent to a folder, network, USB or serial printer."""

from .connections import PrintedJob, TicketPrinter
from .documents import (
    Document,
    consent_form,
    explanation,
    permission_notice,
    printer_test_page,
    queue_ticket,
    refusal_slip,
    ticket_documents,
)
from .faults import PrintFault

__all__ = [
    "Document",
    "PrintFault",
    "PrintedJob",
    "TicketPrinter",
    "consent_form",
    "explanation",
    "permission_notice",
    "refusal_slip",
    "queue_ticket",
    "printer_test_page",
    "ticket_documents",
]
