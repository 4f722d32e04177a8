"""Explicit extension points for other apps (jobs, coaching, invites, results).

A service calls ``run(name, ...)`` inside its transaction; apps register handlers in
``AppConfig.ready()``. Handlers must be quick and enqueue real work through the outbox or
``delay_on_commit``. Names:

- ``scheduled(session)``, ``rescheduled(session, changed)``, ``cancelled(session)``,
  ``live(session_ids)``, ``ended(session_ids)``, ``updated(session, changed)``,
  ``segments_changed(session)``
- ``reminder_recipients(session) -> iterable of (user_or_None, email, name)``
- ``live_cards(session) -> list of dicts`` (key, segment_id, title, owner, detail, url, code): the
  featured items a host shows on stream, in lineup order (jobs provides a fair's job cards)
- ``segment_attendees(segments) -> {segment_pk: [invites.sources.Attendee]}`` (extra invitees)
- ``session_page_sections(session, request) -> SafeString | None``
- ``application_model() -> model`` (the applications results count), ``posting_titles(ids) ->
  {id: title}``, ``known_postings(ids) -> set of ids`` (job card clicks naming a real posting)

Hooks exist only where a lower app must reach a higher one (livestreams → jobs, live results);
calls downward (livestreams → invites) are direct.
"""

from collections import defaultdict
from collections.abc import Callable

_handlers: dict[str, list[Callable]] = defaultdict(list)


def register(name: str, handler: Callable) -> None:
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def run(name: str, *args, **kwargs) -> list:
    return [handler(*args, **kwargs) for handler in _handlers[name]]
