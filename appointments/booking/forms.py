from django import forms
from django.utils import timezone

from .free_times import Slot, parse_slot_key
from .models import Clinician
from .services import offered_slots


class SlotForm(forms.Form):
    """A time by its key: one of the offered times, or with `any_time` any active clinician's time
    (the booking service then decides whether it is free). Anything else is a form error, never a 500."""

    slot = forms.CharField(max_length=40, error_messages={"required": "Choose a time."})

    def __init__(self, *args, offer, any_time=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.any_time = offer.any_free_time if any_time is None else any_time

    def clean_slot(self):
        parsed = parse_slot_key(self.cleaned_data["slot"])
        slot = None
        if parsed is not None:
            clinician_id, starts_at = parsed
            if self.any_time:
                clinician = Clinician.objects.filter(pk=clinician_id, active=True).first()
                slot = Slot(clinician, starts_at) if clinician else None
            else:
                slot = next(
                    (
                        s
                        for s in offered_slots(self.offer)
                        if s.clinician.pk == clinician_id and s.starts_at == starts_at
                    ),
                    None,
                )
        if slot is None:
            raise forms.ValidationError("Choose one of the times listed.", code="not_offered")
        if slot.starts_at <= timezone.now():
            raise forms.ValidationError("That time has passed. Choose another time.", code="past")
        return slot
