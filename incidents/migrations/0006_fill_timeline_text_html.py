"""Store the sanitised HTML of the timeline entries written before text_html existed.

The rendering is a copy of incidents.markdown.sanitised_html as of this migration
(migrations do not follow code): Markdown with the same extensions, cleaned by nh3.
"""

import markdown
import nh3
from django.db import migrations

BATCH = 5000
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "del",
}


def sanitised_html(parser, text):
    return nh3.clean(
        parser.reset().convert(text or ""),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def fill_text_html(apps, schema_editor):
    parser = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"])
    Entry = apps.get_model("incidents", "TimelineEntry")
    rendered: dict[str, str] = {}  # many entries share a text (system entries, bulk loads)
    last_pk = 0
    while True:
        rows = list(Entry.objects.filter(pk__gt=last_pk, text_html="").order_by("pk").values_list("pk", "text")[:BATCH])
        if not rows:
            return
        by_text: dict[str, list[int]] = {}
        for pk, text in rows:
            by_text.setdefault(text, []).append(pk)
        for text, pks in by_text.items():
            if text not in rendered:
                if len(rendered) > 10_000:
                    rendered.clear()
                rendered[text] = sanitised_html(parser, text)
            Entry.objects.filter(pk__in=pks).update(text_html=rendered[text])
        last_pk = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_timeline_text_html_list_indexes")]

    operations = [migrations.RunPython(fill_text_html, migrations.RunPython.noop, elidable=True)]
