"""Send an admin change form back as a browser would: every field as the page shows it, plus changes."""

from bs4 import BeautifulSoup


def form_data(page, **changes):
    """The fields of the page's article form, as a browser would post them, with `changes` applied."""
    form = BeautifulSoup(page.content, "html.parser").find("form", id="article_form")
    data = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or "__prefix__" in name:
            continue
        if field.name == "textarea":
            data[name] = field.text.removeprefix("\n")
        elif field.name == "select":
            chosen = [
                option.get("value", option.text) for option in field.find_all("option") if option.has_attr("selected")
            ]
            if field.has_attr("multiple"):
                data[name] = chosen
            elif chosen:
                data[name] = chosen[0]
        elif field.get("type") in ("submit", "button", "file", "reset"):
            continue
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        else:
            data[name] = field.get("value", "")
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}
