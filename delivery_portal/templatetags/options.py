"""`{% options choices selected %}`: a select's `<option>`s from delivery_portal.widgets.options.

    <select name="state"><option value="">all</option>{% options states filters.state %}</select>
    {% options statuses filters.status blank="Any" capfirst=True %}

A builtin (settings.TEMPLATES), so templates use it without `{% load %}`."""

from django import template

from delivery_portal.widgets import options as render_options

register = template.Library()


@register.simple_tag
def options(choices, selected=None, blank=None, skip_empty=False, capfirst=False):
    return render_options(choices, selected, blank=blank, skip_empty=skip_empty, capfirst=capfirst)
