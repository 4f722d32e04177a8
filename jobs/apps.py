from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jobs import services
        from livestreams import hooks

        hooks.register("reminder_recipients", services.lineup_reminder_recipients)
        hooks.register("segments_changed", services.lineup_on_segments_changed)
        hooks.register("session_page_sections", _lineup_section)
        hooks.register("live_cards", _live_cards)


def _lineup_section(session, request):
    """The employers and job cards of a fair, on the public session page."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from jobs import selectors

    if session.kind != "job_fair":
        return None
    lineup = selectors.public_lineup(session)
    if not lineup:
        return None
    html = render_to_string("jobs/_lineup.html", {"session": session, "lineup": lineup}, request=request)
    return mark_safe(html)  # rendered by the template engine, which escaped every value


def _live_cards(session):
    """A fair's open job cards in lineup order, each with its session short link (the host kit's QR codes)."""
    from jobs import selectors, services

    if session.kind != "job_fair":
        return None
    cards = []
    for item in selectors.public_lineup(session):
        for posting in item.open_postings:
            link = (
                posting.links[0]
                if posting.links
                else services.shortlink_get_or_create(posting=posting, session=session)
            )
            cards.append(
                {
                    "key": str(posting.pk),
                    "segment_id": str(item.segment_id) if item.segment_id else None,
                    "title": posting.title,
                    "owner": item.employer.name,
                    "detail": f"{posting.get_pay_type_display()} ¥{posting.pay_min:.0f}–{posting.pay_max:.0f}"
                    f" · {posting.city} · {posting.get_shift_display()}",
                    "url": services.shortlink_url(link),
                    "code": link.code,
                }
            )
    return cards
