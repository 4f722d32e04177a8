"""Constants shared by the jobs services modules."""

from __future__ import annotations

from jobs.models import (
    Application,
    JobPosting,
    LineupRequest,
)
from livestreams.models import LiveSession

P = JobPosting.Status
A = Application.Status
L = LineupRequest.Status
S = LiveSession.Status

EMPLOYER_FIELDS = {
    "name",
    "credit_code",
    "industry",
    "city",
    "district",
    "contact_name",
    "contact_phone",
    "contact_email",
}
# The writable fields of a posting, in the order a form shows them (the service allowlist is the set).
POSTING_FIELD_ORDER = (
    "title",
    "description",
    "pay_type",
    "pay_min",
    "pay_max",
    "headcount",
    "city",
    "district",
    "address",
    "shift",
    "housing",
    "meals",
    "ins_pension",
    "ins_medical",
    "ins_unemployment",
    "ins_work_injury",
    "ins_maternity",
    "housing_fund",
    "education",
    "experience_years",
    "age_min",
    "age_max",
    "tags",
    "closes_at",
)
POSTING_FIELDS = set(POSTING_FIELD_ORDER)

# The pipeline. Skipping "contacted" is allowed (a recruiter often calls and books the interview in
# one go), and anything not yet final can end as rejected/withdrawn. Hiring straight from "applied"
# or "contacted" is refused: an offer is recorded first. Final states stay final.
PIPELINE: dict[str, set[str]] = {
    A.APPLIED: {A.CONTACTED, A.INTERVIEW, A.REJECTED, A.WITHDRAWN},
    A.CONTACTED: {A.INTERVIEW, A.REJECTED, A.WITHDRAWN},
    A.INTERVIEW: {A.OFFER, A.REJECTED, A.WITHDRAWN},
    A.OFFER: {A.HIRED, A.REJECTED, A.WITHDRAWN},
    A.HIRED: set(),
    A.REJECTED: set(),
    A.WITHDRAWN: set(),
}

# Posting status changes an employer may make (closing is also done by the tick at closes_at).
POSTING_TRANSITIONS: dict[str, set[str]] = {
    P.DRAFT: {P.OPEN, P.CLOSED},
    P.OPEN: {P.PAUSED, P.CLOSED, P.FILLED},
    P.PAUSED: {P.OPEN, P.CLOSED, P.FILLED},
    P.CLOSED: {P.OPEN},
    P.FILLED: {P.OPEN, P.CLOSED},
}
