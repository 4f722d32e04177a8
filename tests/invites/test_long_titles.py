"""A segment invite's title: the segment title stays whole, the session title is shortened with an
ellipsis, never in the middle of an emoji or a 4-byte character."""

from datetime import timedelta

import pytest

from core.models import OutboxMessage
from core.text import fit_title, shorten
from invites.models import CalendarEvent
from livestreams import services as ls
from tests import factories
from tests.invites.helpers import events, parse_both

pytestmark = pytest.mark.django_db

FAMILY = "👨\u200d👩\u200d👧"  # one visible emoji, five code points
FLAG = "🇨🇳"  # two regional indicators
THUMB = "👍🏽"  # emoji + skin tone
RARE = "𠀀𪚥"  # CJK extension B: 4 bytes each in UTF-8


def _seller_invite(seller):
    message = OutboxMessage.objects.get(recipient=seller.email)
    (alt,) = message.payload["alternatives"]
    cal, _ = parse_both(alt["content"])
    return str(events(cal)[0]["SUMMARY"])


def test_long_session_title_is_shortened_and_the_segment_title_kept_whole(union, organizer, host):
    seller = factories.make_user(username="seller", role="trainee", display_name="赵卖家")
    session_title = ("春风行动" + FAMILY + FLAG + RARE + THUMB) * 14  # 196 code points, many emoji
    segment_title = ("学员带货" + THUMB + FLAG + RARE) * 20  # 200 code points
    session = factories.make_session(
        union=union, hosts=[host], created_by=organizer, kind="sales", title=session_title[:200]
    )
    factories.make_segment(session=session, title=segment_title, seller=seller, length=timedelta(minutes=30))

    ls.session_schedule(session=session, by=organizer)

    summary = _seller_invite(seller)
    stored = CalendarEvent.objects.get(uid__startswith="segment-").summary
    assert summary == stored
    assert len(summary) <= 300
    assert summary.endswith(" · " + segment_title)  # whole
    head = summary[: -len(" · " + segment_title)]
    assert head.endswith("…") and session_title.startswith(head[:-1].rstrip())
    # The cut never leaves half an emoji: it is at a boundary between visible characters.
    kept = head[:-1].rstrip()
    cut = len(kept)
    assert session_title[cut] not in ("\u200d", "\U0001f3fd") and kept[-1] != "\u200d"
    assert kept.count("\U0001f1e8") == kept.count("\U0001f1f3")  # flags in pairs


@pytest.mark.parametrize(
    "text, limit, expected",
    [
        ("abc" + FAMILY, 6, "abc…"),  # would split the family: drop it whole
        ("ab" + FLAG + FLAG, 5, "ab" + FLAG + "…"),
        ("ab" + FLAG + FLAG, 4, "ab…"),
        ("a" + THUMB + "b", 3, "a…"),  # not the thumb without its skin tone
        (RARE * 3, 4, RARE + RARE[0] + "…"),
        ("short", 10, "short"),
    ],
)
def test_shorten_cuts_between_visible_characters(text, limit, expected):
    assert shorten(text, limit) == expected


def test_fit_title_keeps_the_tail_and_only_cuts_it_when_it_alone_is_too_long():
    assert fit_title("直播", "环节", limit=300) == "直播 · 环节"
    assert fit_title("长" * 100, "环节", limit=10) == "长" * 4 + "… · 环节"
    assert fit_title("长" * 100, "环" * 20, limit=10) == "环" * 9 + "…"
