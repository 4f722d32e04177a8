"""Every write and rule of the jobs app (package: employers, postings, lineup, applications, digests)."""

from jobs.services.applications import (  # noqa: F401
    application_add_note,
    application_set_status,
    application_submit,
    application_submit_public,
    attribution_for,
    posting_closed_error,
)
from jobs.services.common import EMPLOYER_FIELDS, PIPELINE, POSTING_FIELDS, POSTING_TRANSITIONS  # noqa: F401
from jobs.services.digests import (  # noqa: F401
    digest_period_start,
    digests_send_due,
)
from jobs.services.employers import (  # noqa: F401
    INVITATION_LIFETIME,
    employer_invite,
    employer_register,
    employer_signup,
    employer_update,
    employer_verify,
    invitation_accept,
    membership_remove,
)
from jobs.services.lineup import (  # noqa: F401
    lineup_approve,
    lineup_decline,
    lineup_on_segments_changed,
    lineup_reminder_recipients,
    lineup_remove,
    lineup_request_create,
    lineup_withdraw,
)
from jobs.services.postings import (  # noqa: F401
    posting_create,
    posting_is_open,
    posting_set_status,
    posting_update,
    postings_close_due,
    shortlink_get_or_create,
    shortlink_url,
)
