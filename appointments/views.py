import logging
import re

from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from education.models import Article

from .forms import ConsultationRequestForm, FormToken
from .models import new_reference
from .ratelimit import allow_request
from .services import record_dropped_spam, submit_request

logger = logging.getLogger(__name__)

SLUG = re.compile(r"[-\w]{1,200}")
# What the confirmation page may know: the reference and whether to repeat the emergency advice.
SESSION_KEY = "appointments:last-request"


@method_decorator(sensitive_post_parameters(), name="dispatch")
class RequestConsultationView(FormView):
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

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "article": self.article}

    def get_context_data(self, **kwargs):
        return super().get_context_data(article=self.article, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        token = form.token
        if token is None:
            # Not a form we rendered (or the site's key changed): show it again, keeping every answer.
            data = request.POST.copy()
            data["form_token"] = FormToken.issue()
            form = self.get_form_class()(data=data, article=self.article)
            form.full_clean()
            form.add_error(None, "Please check your answers and press “Send my request” again.")
            return self.form_invalid(form)
        if form.filled_honeypot or token.sent_too_fast():
            if not allow_request(request):
                return self.too_many_requests()
            record_dropped_spam("honeypot" if form.filled_honeypot else "too_fast")
            return self.confirm(reference=new_reference(), urgent=False)
        if not form.is_valid():
            return self.form_invalid(form)  # not counted: a patient correcting a typo is never turned away
        if not allow_request(request):
            return self.too_many_requests()
        consultation, _ = submit_request(form, submission_id=token.submission_id, article=self.article)
        return self.confirm(reference=consultation.reference, urgent=consultation.is_urgent)

    def too_many_requests(self):
        return render(self.request, "appointments/too_many_requests.html", status=429)

    def confirm(self, *, reference, urgent):
        self.request.session[SESSION_KEY] = {"reference": reference, "urgent": urgent}
        response = redirect("appointments:received")
        response.status_code = 303  # See Other: reloading the confirmation never re-sends the form
        return response


class RequestReceivedView(TemplateView):
    template_name = "appointments/request_received.html"

    def get(self, request, *args, **kwargs):
        received = request.session.get(SESSION_KEY)
        if not received:
            return redirect("appointments:request")
        return self.render_to_response(self.get_context_data(**received))


class PrivacyNoticeView(TemplateView):
    template_name = "appointments/privacy.html"
