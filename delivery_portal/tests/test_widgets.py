"""Option lists have one home (delivery_portal.widgets.options): widgets, views and the
`{% options %}` tag render the same escaped `<option>`s."""

from django.template import engines

from delivery_portal.widgets import QuickSelect, QuickSelectMultiple, options


def test_options_from_pairs_and_plain_values_escaped_with_the_selection():
    html = options([("a", "Alpha"), ("b", "<b>Beta</b>")], "b")
    assert html == '<option value="a">Alpha</option><option value="b" selected>&lt;b&gt;Beta&lt;/b&gt;</option>'
    assert options(["SEV-1", "SEV-2"], "SEV-2", blank="Any") == (
        '<option value="">Any</option><option value="SEV-1">SEV-1</option><option value="SEV-2" selected>SEV-2</option>'
    )
    # Values compare as text (a pk against a posted string); several may be selected.
    assert options([(1, "one"), (2, "two"), (3, "three")], ["1", 3]).count(" selected") == 2
    assert options([("", "---------"), (7, "seven")], 7, skip_empty=True) == '<option value="7" selected>seven</option>'
    assert options([("month", "month")], capfirst=True) == '<option value="month">Month</option>'


def test_the_widgets_and_the_template_tag_render_through_it():
    choices = [("a", "Alpha"), ("b", "Beta")]
    select = QuickSelect(choices=choices).render("x", "b")
    assert select == f'<select name="x">{options(choices, "b")}</select>'
    multiple = QuickSelectMultiple(choices=choices).render("y", ["a", "b"])
    assert multiple == f'<select name="y" multiple>{options(choices, ["a", "b"])}</select>'
    template = engines["django"].from_string('{% options states state blank="all" %}')  # a builtin: no load
    assert template.render({"states": choices, "state": "a"}) == str(options(choices, "a", blank="all"))
