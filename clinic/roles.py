"""The staff roles every database has, kept in step with this file after every `migrate`."""

TRIAGE_STAFF = "Triage staff"
CONTENT_EDITORS = "Content editors"
CLINICAL_REVIEWERS = "Clinical reviewers"

ROLE_PERMISSIONS = {
    # Work the request queue: read and change requests, add notes; never delete, never edit articles.
    TRIAGE_STAFF: [
        ("appointments", "view_consultationrequest"),
        ("appointments", "change_consultationrequest"),
        ("appointments", "export_consultationrequest"),  # every export is an access record
        ("appointments", "view_internalnote"),
        ("appointments", "add_internalnote"),
        ("appointments", "view_requestevent"),
        ("appointments", "view_notification"),
        # Booking: offer times, book, move, cancel, mark attended; keep clinicians' hours and time off.
        ("appointments", "view_appointment"),
        ("appointments", "change_appointment"),
        ("appointments", "view_clinician"),
        ("appointments", "change_clinician"),
        ("appointments", "view_offer"),
        ("appointments", "view_offeredtime"),
    ]
    + [
        ("appointments", f"{action}_{model}")
        for model in ("workinghours", "timeoff")
        for action in ("view", "add", "change")  # no delete: a superuser removes hours
    ],
    # Articles, topics and the clinic profile; no access to patients' requests.
    CONTENT_EDITORS: [
        (app_label, f"{action}_{model}")
        for app_label, model in [
            ("education", "article"),
            ("education", "section"),
            ("education", "topic"),
            ("education", "articleredirect"),
            ("clinic", "clinicprofile"),
            ("clinic", "clinicclosure"),
        ]
        for action in ("view", "add", "change", "delete")
    ]
    + [
        ("education", "view_clinicalreview"),
        ("education", "view_clinicalsignoff"),  # submitting goes through the article page, never an approval
    ],
    # Clinicians who review patient information: read articles and approve or send back changes to
    # what patients read; no editing, and no access to patients' requests.
    CLINICAL_REVIEWERS: [
        ("education", "view_article"),
        ("education", "view_section"),
        ("education", "view_topic"),
        ("education", "view_clinicalreview"),
        ("education", "view_clinicalsignoff"),
        ("education", "sign_off_article"),
    ],
}


def sync_roles(apps, schema_editor=None):
    """Create or update each role's group with exactly its permissions."""
    from django.contrib.auth.management import create_permissions
    from django.db.models import Q

    # Permissions are normally created after all migrations ran; this migration needs them now.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)  # None in a migration's registry
        app_config.models_module = models_module or True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        # A permission of a model that a later migration adds is granted when that migration syncs again.
        wanted = Q()
        for app_label, codename in codenames:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))


def sync_roles_after_migrate(sender, apps=None, **kwargs):
    """post_migrate handler: every migrate (and flush) leaves each role with exactly the permissions listed here."""
    from django.apps import apps as global_apps

    sync_roles(apps or global_apps)
