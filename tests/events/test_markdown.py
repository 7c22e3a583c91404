"""Organizer Markdown becomes a small, safe subset of HTML."""

from __future__ import annotations

from blackcanyon.events.markdown import render


def test_script_tags_are_removed_with_their_content():
    html = render("Hello <script>alert('x')</script> world")

    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html


def test_event_handler_attributes_are_stripped():
    html = render(
        '<p onclick="steal()">Hi</p> <a href="https://ok.example" onmouseover="x()">a</a>'
    )

    assert "onclick" not in html
    assert "onmouseover" not in html
    assert "steal" not in html
    assert 'href="https://ok.example"' in html


def test_javascript_links_never_become_clickable():
    markdown_link = render("[click](javascript:alert(1))")
    html_link = render('<a href="javascript:alert(1)">click</a>')

    assert "<a" not in markdown_link
    assert "href" not in html_link
    assert "javascript" not in html_link


def test_links_get_noopener_nofollow():
    html = render("[Tickets](https://example.com/info)")

    assert html == ('<p><a href="https://example.com/info" rel="noopener nofollow">Tickets</a></p>')


def test_allowed_markdown_renders():
    html = render("## Lineup\n\n* **Band** one\n* *Band* two\n\n> quote\n\n`code`")

    for tag in ("<h3>", "<ul>", "<li>", "<strong>", "<em>", "<blockquote>", "<code>"):
        assert tag in html


def test_top_level_heading_is_demoted_below_the_page_title():
    assert render("# Doors at 7").startswith("<h2>Doors at 7</h2>")


def test_disallowed_tags_are_dropped_but_text_kept():
    html = render('<div style="color:red"><img src=x onerror=alert(1)>Text <iframe></iframe></div>')

    assert "<div" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert "style" not in html
    assert "Text" in html
