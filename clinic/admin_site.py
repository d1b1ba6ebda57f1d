"""The admin site: sign-in limited by django-axes, with optional two-factor codes (django-otp)."""

from dataclasses import dataclass
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.options import TO_FIELD_VAR
from django.core.validators import MaxLengthValidator
from django.template.loader import render_to_string
from django_otp import devices_for_user, user_has_device
from django_otp.admin import OTPAdminAuthenticationForm


class TwoFactorAuthenticationForm(OTPAdminAuthenticationForm):
    """Password, then a code from the authenticator app for staff who have set one up."""

    otp_token = forms.CharField(
        required=False,
        label="Two-factor code",
        help_text="The 6-digit code from your authenticator app, if you have set one up.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the field's max_length after the field is built, so nothing checks it; django-axes
        # would then write an over-long name to its 255-character column (a 500 on PostgreSQL). Checked
        # here, before any sign-in is tried.
        username = self.fields["username"]
        username.validators.append(
            MaxLengthValidator(
                username.max_length,
                message=f"The username is too long: usernames have at most {username.max_length} characters.",
            )
        )

    def clean(self):
        # The password first (active staff only), then the code, for users who have an authenticator.
        self.cleaned_data = AdminAuthenticationForm.clean(self)
        user = self.get_user()
        if user is not None and user_has_device(user):
            self.clean_otp(user)
        elif user is not None and must_use_two_factor(user):
            raise forms.ValidationError(
                "Your account must sign in with a two-factor code, and it has no authenticator set up yet. "
                "Ask the site administrator to run `manage.py add_totp_device` for you.",
                code="two_factor_required",
            )
        return self.cleaned_data

    def _chosen_device(self, user):
        # Staff have one authenticator (TOTP); the sign-in page does not ask them to pick it.
        return super()._chosen_device(user) or next(devices_for_user(user, confirmed=True), None)


def must_use_two_factor(user):
    return settings.ADMIN_REQUIRE_2FA and user.is_superuser


@dataclass(frozen=True)
class IndexPanel:
    """A box on the admin's home page, shown to staff with `permission`."""

    template: str
    permission: str
    context: object  # request -> dict for the template
    order: int = 100

    def render(self, request):
        return render_to_string(self.template, self.context(request), request=request)


_index_panels = {}


def register_index_panel(template, *, permission, context, order=100):
    """Each app adds its own boxes to the admin's home page (from its own code; registering again replaces)."""
    _index_panels[template] = IndexPanel(template, permission, context, order)


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"
    site_title = "Clinic admin"
    index_title = "Requests, articles and the clinic's details"
    login_form = TwoFactorAuthenticationForm
    login_template = "admin/clinic_login.html"
    index_template = "admin/clinic_index.html"

    def index(self, request, extra_context=None):
        """The home page, with the boxes the apps registered for what this person may see."""
        panels = sorted(_index_panels.values(), key=lambda panel: (panel.order, panel.template))
        shown = [panel.render(request) for panel in panels if request.user.has_perm(panel.permission)]
        return super().index(request, {"index_panels": shown, **(extra_context or {})})

    def admin_view(self, view, cacheable=False):
        """Every admin page (third-party ones too) refuses a `_to_field` that cannot name a field.

        Django's own check looks the name up among the model's fields, hidden reverse relations
        included: "+" (their name) passes the lookup and then fails as a 500.
        """

        @wraps(view)
        def checked(request, *args, **kwargs):
            to_field = request.GET.get(TO_FIELD_VAR) or ""
            if request.method == "POST":
                to_field = request.POST.get(TO_FIELD_VAR, to_field) or ""
            if to_field and not to_field.isidentifier():
                raise DisallowedModelAdminToField("The address names a field that cannot be referenced.")  # 400
            return view(request, *args, **kwargs)

        return super().admin_view(checked, cacheable)

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not must_use_two_factor(request.user) or request.user.is_verified()


def replace_totp_device_admin():
    """django-otp's device admin answers 500 for a device that does not exist: make that a 404."""
    from django.contrib import admin
    from django.shortcuts import get_object_or_404
    from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    class DeviceAdmin(TOTPDeviceAdmin):
        def config_view(self, request, pk):
            get_object_or_404(TOTPDevice, pk=pk)
            return super().config_view(request, pk)

        def qrcode_view(self, request, pk):
            get_object_or_404(TOTPDevice, pk=pk)
            return super().qrcode_view(request, pk)

    if admin.site.is_registered(TOTPDevice):
        admin.site.unregister(TOTPDevice)
        admin.site.register(TOTPDevice, DeviceAdmin)
