"""Reading `/incident ...`, escaping for Slack, and the webhook verdicts, without a database."""

from datetime import datetime, timezone

import pytest

from slack_integration import blocks, domain
from slack_integration.domain import Command, CommandError, parse_command, verdict


@pytest.mark.parametrize("text,command", [
    ("declare SEV-1 checkout Card payments fail", Command("declare", severity="SEV-1", service="checkout", text="Card payments fail")),
    ("  DECLARE sev2 Checkout   two  spaces ", Command("declare", severity="SEV-2", service="checkout", text="two  spaces")),
    ("declare Sev-4 docs Typo\non two lines", Command("declare", severity="SEV-4", service="docs", text="Typo\non two lines")),
    ("update inc-2026-0042 Rolled back; watching", Command("update", reference="INC-2026-0042", text="Rolled back; watching")),
    ("declare SEV-2 eu Refunds &amp; payouts &lt;EU&gt; &amp;lt;", Command("declare", severity="SEV-2", service="eu", text="Refunds & payouts <EU> &lt;")),
    ("status INC-2026-0042", Command("status", reference="INC-2026-0042")),
    ("resolve INC-2026-0042", Command("resolve", reference="INC-2026-0042")),
])
def test_commands_are_read(text, command):
    assert parse_command(text) == command


@pytest.mark.parametrize("text,words", [
    ("", "Usage:"),
    ("help", "Usage:"),
    ("page everyone", "`page` is not an /incident command"),
    ("declare SEV-0 checkout x", "not a severity"),
    ("declare SEV-12 checkout x", "not a severity"),
    ("declare SEV-1 checkout", "a severity, a service and a title"),
    ("update INC-2026-0042", "Write the status update"),
    ("update 42 fixed", "Name the incident"),
    ("status", "Name the incident"),
    ("resolve INC-2026-0042 now please", "takes only the reference"),
])
def test_bad_commands_say_how_to_write_them(text, words):
    with pytest.raises(CommandError, match=words.replace("(", r"\(")):
        parse_command(text)


def test_a_long_title_is_refused_before_the_database_sees_it():
    with pytest.raises(CommandError, match="201 characters long; keep it to 200"):
        parse_command("declare SEV-3 docs " + "x" * 201)


def test_user_text_cannot_make_links_or_mentions():
    assert domain.escape("<!channel> & <@U1|x>") == "&lt;!channel&gt; &amp; &lt;@U1|x&gt;"
    assert domain.link("https://p/x", "a|b<c>") == "<https://p/x|a¦b&lt;c&gt;>"


@pytest.mark.parametrize("status,attempts,retry_after,expected", [
    (200, 1, None, domain.Verdict(delivered=True)),
    (500, 1, None, domain.Verdict(retry_in=10)),
    (503, 3, None, domain.Verdict(retry_in=40)),
    (None, 2, None, domain.Verdict(retry_in=20)),  # no answer at all
    (429, 1, "120", domain.Verdict(retry_in=120)),
    (429, 1, "soon", domain.Verdict(retry_in=10)),
    (500, 6, None, domain.Verdict()),  # the sixth failure: give up
    (500, 5, None, domain.Verdict(retry_in=160)),
    (404, 1, None, domain.Verdict()),  # no_service: sending again cannot help
    (410, 1, None, domain.Verdict()),
])
def test_what_to_do_after_each_attempt(status, attempts, retry_after, expected):
    assert verdict(status=status, attempts=attempts, retry_after=retry_after) == expected


def test_backoff_is_capped_at_ten_minutes(monkeypatch):
    monkeypatch.setattr(domain, "MAX_ATTEMPTS", 20)
    assert verdict(status=500, attempts=9).retry_in == 600


def test_block_kit_limits_are_kept():
    message = blocks.incident(kind="declared", reference="INC-2026-0001", severity="SEV-1", title="x" * 4000,
                              services=["a"], state="Detect", commander=None, url="https://p/i")
    assert len(message["blocks"][0]["text"]["text"]) <= 150
    assert len(message["blocks"][1]["text"]["text"]) <= 3000 and len(message["text"]) <= 3000
    change = blocks.change_awaiting(reference="CHG-1", title="t", change_type="Normal", requester="r",
                                    window_start=datetime(2026, 1, 1, tzinfo=timezone.utc), window_end=None,
                                    approvers="the CAB", quorum=1, url="https://p/c")
    assert "Needs 1 approval from the CAB." in change["blocks"][1]["text"]["text"]
