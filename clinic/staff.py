"""How a staff member is named on screens, timelines and exports: THE one definition."""


def staff_name(user, nobody=""):
    """The user's full name, else their username; `nobody` when there is no user."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()
