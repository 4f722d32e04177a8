"""Management commands answer bad arguments with a CommandError message, never a traceback."""

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    "args, message",
    [
        (["rebuild_live_counters", "bogus"], "Not a session id"),
        (["rebuild_live_counters", UNKNOWN], "Unknown session"),
        (["simulate_live", "bogus"], "Unknown session"),
        (["simulate_live", UNKNOWN], "Unknown session"),
        (["import_orders", "bogus", "/nonexistent.csv"], "Unknown session"),
    ],
)
def test_bad_arguments_are_a_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args)


def test_import_orders_with_a_missing_file_is_a_command_error(union):
    from tests.livestreams.live_helpers import make_live_session

    session = make_live_session(union)
    with pytest.raises(CommandError):
        call_command("import_orders", str(session.pk), "/nonexistent/orders.csv")
