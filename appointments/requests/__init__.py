"""Consultation requests and triage: what a patient asks, and the desk that answers it.

- models.py: the request and its triage path; querysets.py: the queue's questions (overdue, ...)
- timeline.py: staff notes and the request's events; outbox.py: the emails owed (and urgent alerts)
- services.py: submit_request (store first, then notify); forms.py, views.py: the public form
- notifications.py: the outbox's delivery (claim, send, retry); emails.py: the request's emails
- escalation.py: urgent requests nobody took on alert on-call; access_log.py: who saw what
- admin/: the triage desk (queue, actions, the request's page, exports, the access log)
- exports.py, ratelimit.py, phones.py: CSV/.xlsx building, the form's rate limit, phone display
"""
