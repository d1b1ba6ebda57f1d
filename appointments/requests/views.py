import logging
import re
import secrets
from datetime import date

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from clinic.opening_hours import answer_by, spelled_out_day
from education.models import Article

from ..booking.free_times import parse_slot_key
from ..booking.self_booking import self_booking_offer
from .forms import ConsultationRequestForm, FormToken
from .ratelimit import allow_request
from .services import record_dropped_spam, submit_request

logger = logging.getLogger(__name__)

SLUG = re.compile(r"[-\w]{1,200}")
# What the confirmation page may know: the reference, whether to lead with the emergency advice and
# the date by which the clinic answers.
SESSION_KEY = "appointments:last-request"
# References this browser session sent: only they are shown again when a used form is sent again.
SENT_KEY = "appointments:sent"
SENT_KEPT = 10
# A random value per browser, set with the form and carried in its token: a double click whose first
# answer never reached the browser is still recognised as the same browser's.
BROWSER_COOKIE = "clinic_form_browser"
BROWSER_VALUE = re.compile(r"[-\w]{16,64}")
CHECK_AGAIN = "Please check your answers, then press Send my request."


@method_decorator([never_cache, sensitive_post_parameters()], name="dispatch")
class RequestConsultationView(FormView):
    """The form; every copy is for one visitor (a one-time token, and what they typed): never stored."""

    template_name = "appointments/request_form.html"
    form_class = ConsultationRequestForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        slug = request.GET.get("article", "")
        self.article = (
            Article.objects.published().select_related("main_topic").filter(slug=slug).first()
            if SLUG.fullmatch(slug)
            else None
        )
        # A time chosen elsewhere (the SMART Scheduling Links deep link): pre-selected on the booking page.
        slot = request.GET.get("slot", "")
        self.slot = slot if parse_slot_key(slot) else ""
        cookie = request.COOKIES.get(BROWSER_COOKIE, "")
        self.browser = cookie if BROWSER_VALUE.fullmatch(cookie) else ""
        self.new_browser = "" if self.browser else secrets.token_urlsafe(16)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "article": self.article, "browser": self.browser or self.new_browser}

    def get_context_data(self, **kwargs):
        form = kwargs.get("form") or self.get_form()
        query = {"article": self.article.slug if self.article else "", "slot": self.slot}
        action_query = urlencode({key: value for key, value in query.items() if value})
        return super().get_context_data(
            article=self.article, urgent=form.posted_warning_signs(), action_query=action_query, **kwargs
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.new_browser:
            response.set_cookie(
                BROWSER_COOKIE,
                self.new_browser,
                path="/appointments/",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        token = form.token
        urgent = form.posted_warning_signs()  # shown the emergency advice whatever happens next
        if form.filled_honeypot:
            # Only bots fill in the hidden field: drop it quietly, but never show a reference not stored.
            if not allow_request(request):
                return self.too_many_requests(urgent)
            record_dropped_spam("honeypot")
            return self.confirm(reference="", urgent=urgent, answer_by_day=None)
        if token is None or token.sent_too_fast():
            # Not a form we rendered, or sent faster than people usually type (autofill, a restored tab):
            # a person may be waiting, so show it again with every answer kept and a token that is taken.
            if token is not None:
                record_dropped_spam("too_fast")
            return self.check_again(form)
        if not form.is_valid():
            return self.form_invalid(form)  # not counted: a patient correcting a typo is never turned away
        if not allow_request(request):
            return self.too_many_requests(urgent)
        consultation, created = submit_request(form, submission_id=token.submission_id, article=self.article)
        if not created and not self.sent_here(consultation.reference, token):
            # The same form again from elsewhere: say nothing about the first request.
            return render(request, "appointments/already_sent.html", {"urgent": urgent})
        offer = self_booking_offer(consultation)
        return self.confirm(
            reference=consultation.reference,
            urgent=consultation.is_urgent,
            answer_by_day=answer_by(consultation.created_at),
            book=self.booking_link(offer) if offer and not consultation.is_urgent else "",
        )

    def booking_link(self, offer):
        """The self-booking page; with a deep-linked time, at that time's day with it pre-selected."""
        parsed = parse_slot_key(self.slot)
        if not parsed:
            return offer.get_absolute_url()
        day = timezone.localdate(parsed[1])
        return f"{offer.get_absolute_url()}?{urlencode({'from': day.isoformat(), 'slot': self.slot})}"

    def check_again(self, form):
        data = form.data.copy()
        # A person shown our form once and now again may send it at once. A post that came with no form
        # of ours has seen nothing yet: its new token keeps the minimum wait, counted from this post.
        second_look = form.token is not None
        data["form_token"] = FormToken.issue(self.browser or self.new_browser, second_look=second_look)
        form = self.get_form_class()(data=data, article=self.article)
        return self.render_to_response(self.get_context_data(form=form, check_again=CHECK_AGAIN))

    def sent_here(self, reference, token):
        return reference in self.request.session.get(SENT_KEY, []) or token.shown_to(self.browser)

    def too_many_requests(self, urgent):
        return render(self.request, "appointments/too_many_requests.html", {"urgent": urgent}, status=429)

    def confirm(self, *, reference, urgent, answer_by_day, book=""):
        session = self.request.session
        session[SESSION_KEY] = {
            "reference": reference,
            "book": book,
            "urgent": urgent,
            "answer_by": answer_by_day.isoformat() if answer_by_day else "",
        }
        if reference:
            session[SENT_KEY] = [reference, *(r for r in session.get(SENT_KEY, []) if r != reference)][:SENT_KEPT]
        response = redirect("appointments:received")
        response.status_code = 303  # See Other: reloading the confirmation never re-sends the form
        return response


@method_decorator(never_cache, name="dispatch")
class RequestReceivedView(TemplateView):
    template_name = "appointments/request_received.html"

    def get(self, request, *args, **kwargs):
        received = request.session.get(SESSION_KEY)
        if not received:
            return redirect("appointments:request")
        try:
            answer_by_day = spelled_out_day(date.fromisoformat(received.get("answer_by") or ""))
        except ValueError:
            answer_by_day = ""
        return self.render_to_response(
            self.get_context_data(
                reference=received.get("reference", ""),
                urgent=received.get("urgent"),
                answer_by=answer_by_day,
                book=received.get("book", "") if not received.get("urgent") else "",
            )
        )


class PrivacyNoticeView(TemplateView):
    template_name = "appointments/privacy.html"
