# The opening hours patients read were a free-text copy of the structured hours (working days,
# opening and closing time) and drifted from them once. The structured hours are what the clinic's
# calendar counts (answer dates, overdue requests, booking), so they stay, and the text is now
# written from them. A free text that said something else is printed here, so whoever migrates
# sees what patients will no longer read, and can set the structured hours or closures to match.
# Going back writes the text from the structured hours.

from django.db import migrations, models

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def spoken_clock(moment):
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'am' if moment.hour < 12 else 'pm'}"


def describe_hours(weekdays, opens_at, closes_at):
    """As clinic.models.describe_hours at the time of this migration."""
    runs = []
    for day in range(7):
        is_open = day in weekdays
        if runs and runs[-1][2] == is_open and runs[-1][1] == day - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day, is_open])
    lines = []
    for first, last, is_open in runs:
        if first == last:
            days = WEEKDAY_NAMES[first]
        else:
            days = f"{WEEKDAY_NAMES[first]}{' and ' if last == first + 1 else ' to '}{WEEKDAY_NAMES[last]}"
        lines.append(f"{days}: {spoken_clock(opens_at) + ' to ' + spoken_clock(closes_at) if is_open else 'closed'}")
    return "\n".join(lines)


def written(profile):
    return describe_hours({int(ch) for ch in profile.working_weekdays}, profile.opens_at, profile.closes_at)


def report_free_text_that_differs(apps, schema_editor):
    ClinicProfile = apps.get_model("clinic", "ClinicProfile")
    for profile in ClinicProfile.objects.exclude(hours=""):
        if " ".join(profile.hours.split()) != " ".join(written(profile).split()):
            print(
                f"\n  Clinic profile: the opening hours text “{' / '.join(profile.hours.splitlines())}” is replaced "
                f"by “{' / '.join(written(profile).splitlines())}”, written from the working days and times."
            )


def write_free_text_from_the_structured_hours(apps, schema_editor):
    ClinicProfile = apps.get_model("clinic", "ClinicProfile")
    for profile in ClinicProfile.objects.all():
        ClinicProfile.objects.filter(pk=profile.pk).update(hours=written(profile))


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0004_warning_signs_in_code"),
    ]

    operations = [
        migrations.RunPython(report_free_text_that_differs, write_free_text_from_the_structured_hours),
        migrations.RemoveField(model_name="clinicprofile", name="hours"),
    ]
