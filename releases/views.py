from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from delivery_portal.audit import history_entries

from .models import Release


@require_safe
def release_list(request):
    releases = Release.objects.prefetch_related("services").order_by("-target_date")[:200]
    return render(request, "releases/list.html", {"releases": releases})


@require_safe
def release_detail(request, version):
    release = get_object_or_404(Release.objects.prefetch_related("services"), version=version)
    return render(request, "releases/detail.html", {"release": release, "history": history_entries(release)})
