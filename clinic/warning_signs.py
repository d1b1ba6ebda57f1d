"""The warning signs that need emergency care now, not a consultation: THE one list for the site.

The request form offers them, the triage queue shows their short labels, and every page's
urgent-help block and article box lists them (through `ClinicProfile.emergency_sign_list`).
"""

from django.db import models


class RedFlag(models.TextChoices):
    """Warning signs that need emergency care now, not a consultation."""

    BLADDER_BOWEL = "bladder_bowel", "New loss of bladder or bowel control"
    GROIN_NUMBNESS = "groin_numbness", "Numbness in the groin or inner thighs"
    LEG_WEAKNESS = "leg_weakness", "Leg weakness that is quickly getting worse"
    FEVER_WOUND = "fever_wound", "Fever, or fluid leaking from the wound, after recent surgery"
    FALL_INJURY = "fall_injury", "Severe pain after a fall or injury"


# The same warning signs in a few words, for the queue's narrow column (text, not colour alone).
SHORT_LABELS = {
    RedFlag.BLADDER_BOWEL: "Bladder/bowel",
    RedFlag.GROIN_NUMBNESS: "Groin numbness",
    RedFlag.LEG_WEAKNESS: "Leg weakness",
    RedFlag.FEVER_WOUND: "Fever/wound",
    RedFlag.FALL_INJURY: "Fall/injury",
}


def labels(values):
    """The full labels of the known signs among `values` (unknown values are left out)."""
    return [RedFlag(value).label for value in values if value in RedFlag.values]


def short_labels(values):
    """The short labels of the known signs among `values`."""
    return [SHORT_LABELS[RedFlag(value)] for value in values if value in RedFlag.values]
