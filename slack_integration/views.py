"""Slack's requests: slash commands and interactions. No session and no CSRF token (Slack
cannot send either): each request is verified by its signature instead, and refused with
403 without one."""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import commands, interactions
from .verification import is_from_slack


def _slack_endpoint(view):
    return login_not_required(csrf_exempt(require_POST(view)))


@_slack_endpoint
def command(request):
    if not is_from_slack(request):
        return HttpResponseForbidden("Bad or stale Slack signature.")
    answer = commands.run(text=request.POST.get("text", ""), slack_user_id=request.POST.get("user_id", ""))
    return JsonResponse(answer)


@_slack_endpoint
def interaction(request):
    if not is_from_slack(request):
        return HttpResponseForbidden("Bad or stale Slack signature.")
    try:
        payload = json.loads(request.POST.get("payload") or "")
    except ValueError:
        return HttpResponse("The payload is not JSON.", status=400)
    if not isinstance(payload, dict):
        return HttpResponse("The payload is not a JSON object.", status=400)
    handlers = {"block_actions": interactions.block_actions, "view_submission": interactions.view_submission}
    handler = handlers.get(payload.get("type"))
    answer = handler(payload) if handler else None
    return JsonResponse(answer) if answer else HttpResponse(status=200)
