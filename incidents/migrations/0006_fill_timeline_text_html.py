"""Store the sanitised HTML of the timeline entries written before text_html existed."""

from django.db import migrations

BATCH = 5000


def fill_text_html(apps, schema_editor):
    from incidents.markdown import sanitised_html

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
                rendered[text] = sanitised_html(text)
            Entry.objects.filter(pk__in=pks).update(text_html=rendered[text])
        last_pk = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_timeline_text_html_list_indexes")]

    operations = [migrations.RunPython(fill_text_html, migrations.RunPython.noop, elidable=True)]
