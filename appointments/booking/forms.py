from django import forms
from django.utils import timezone

from .free_times import parse_slot_key
from .services import offered_slots


class SlotForm(forms.Form):
    """One of the offered times, by its key; anything else is a form error, never a 500."""

    slot = forms.CharField(max_length=40, error_messages={"required": "Choose a time."})

    def __init__(self, *args, offer, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer

    def clean_slot(self):
        parsed = parse_slot_key(self.cleaned_data["slot"])
        slot = None
        if parsed is not None:
            clinician_id, starts_at = parsed
            slot = next(
                (s for s in offered_slots(self.offer) if s.clinician.pk == clinician_id and s.starts_at == starts_at),
                None,
            )
        if slot is None:
            raise forms.ValidationError("Choose one of the times listed.", code="not_offered")
        if slot.starts_at <= timezone.now():
            raise forms.ValidationError("That time has passed. Choose another time.", code="past")
        return slot
