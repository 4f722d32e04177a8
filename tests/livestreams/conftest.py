"""Live-tracking fixtures (defined beside the helpers in live_helpers.py, registered here once)."""

from tests.livestreams.live_helpers import bridge, live_session  # noqa: F401 -- fixtures
