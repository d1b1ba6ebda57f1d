import pytest

from education.markdown import render_markdown


def test_paragraphs_emphasis_lists_and_links_render():
    html = render_markdown("First **bold** and *soft*.\n\n- one\n- two\n\n[Our team](https://example.org/team)")

    assert "<strong>bold</strong>" in html
    assert "<em>soft</em>" in html
    assert "<ul>\n<li>one</li>" in html
    assert '<a href="https://example.org/team" rel="noopener noreferrer">Our team</a>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        "Hello <img src=x onerror=alert(1)>",
        '<a href="#" onclick="alert(1)">click</a>',
        "<iframe src='https://example.org'></iframe>",
        "<svg onload=alert(1)></svg>",
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_from_editors_is_shown_as_text_never_run(source):
    html = render_markdown(source)

    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "<svg" not in html
    assert "<style" not in html
    assert "<a " not in html
    assert "&lt;" in html  # what the editor typed is shown, as text


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
    ],
)
def test_links_that_would_run_code_are_not_links(link):
    assert "href" not in render_markdown(link)


@pytest.mark.parametrize(
    "html",
    ['<a href="javascript:alert(1)">x</a>', '<a href=" JAVASCRIPT:alert(1)">x</a>', '<a href="data:text/html,x">x</a>'],
)
def test_sanitiser_drops_addresses_that_would_run_code(html):
    from education.markdown import sanitize_html

    assert "href" not in sanitize_html(html)


def test_images_from_this_site_keep_their_alt_text():
    html = render_markdown('![A spine model](/static/spine.png "Model")')

    assert '<img src="/static/spine.png" alt="A spine model" title="Model">' in html


@pytest.mark.parametrize(
    "source", ["https://tracker.example/p.gif", "//tracker.example/p.gif", "http://x.example/a.png"]
)
def test_images_from_other_hosts_are_not_loaded(source):
    html = render_markdown(f"![pixel]({source})")

    assert "tracker" not in html and "x.example" not in html


def test_headings_inside_a_section_sit_below_the_section_heading():
    html = render_markdown("# Big\n\n## Smaller\n\n#### Small")

    assert "<h3>Big</h3>" in html
    assert "<h4>Smaller</h4>" in html
    assert "<h6>Small</h6>" in html
    assert "<h1" not in html and "<h2" not in html


def test_the_highest_heading_in_a_section_becomes_h3_whatever_level_the_editor_typed():
    html = render_markdown("## Causes\n\n### Nerves")

    assert "<h3>Causes</h3>" in html and "<h4>Nerves</h4>" in html


def test_sanitiser_strips_event_attributes_even_from_allowed_tags():
    from education.markdown import sanitize_html

    html = sanitize_html('<p onclick="steal()" style="x">Hi <a href="https://e.org" onmouseover="x()">there</a></p>')

    assert "onclick" not in html and "onmouseover" not in html and "style" not in html
    assert "Hi" in html and 'href="https://e.org"' in html


def test_empty_body_renders_empty():
    assert render_markdown("") == ""
