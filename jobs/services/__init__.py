"""Every write and rule of the jobs app (package: employers, postings, lineup, applications, digests)."""

from jobs.services.applications import (  # noqa: F401
    Applied,
    application_add_note,
    application_set_status,
    application_submit,
    application_submit_public,
    posting_closed_error,
)
from jobs.services.common import EMPLOYER_FIELDS, PIPELINE, POSTING_FIELDS, POSTING_TRANSITIONS  # noqa: F401
from jobs.services.digests import (  # noqa: F401
    digest_period_start,
    digests_send_due,
)
from jobs.services.employers import (  # noqa: F401
    INVITATION_LIFETIME,
    can_verify_employer,
    employer_fair_unions,
    employer_invite,
    employer_register,
    employer_signup,
    employer_update,
    employer_verify,
    employers_fair_unions,
    invitation_accept,
    membership_remove,
)
from jobs.services.fairs import lineup_request_submit  # noqa: F401
from jobs.services.inbox import BULK_LIMIT, applications_bulk_set_status  # noqa: F401
from jobs.services.lineup import (  # noqa: F401
    BULK_APPROVE_LIMIT,
    lineup_approve,
    lineup_approve_preferred_many,
    lineup_decline,
    lineup_on_segments_changed,
    lineup_reinstate,
    lineup_reinstate_plan,
    lineup_reminder_recipients,
    lineup_remove,
    lineup_request_create,
    lineup_suspend_for_employer,
    lineup_withdraw,
)
from jobs.services.notices import employer_notice_send  # noqa: F401
from jobs.services.postings import (  # noqa: F401
    posting_create,
    posting_is_open,
    posting_set_status,
    posting_update,
    postings_close_due,
    shortlink_get_or_create,
    shortlink_url,
)
from jobs.services.team import (  # noqa: F401
    invitation_resend,
    invitation_revoke,
    team_member_remove,
)
from jobs.services.workspace import posting_duplicate  # noqa: F401
