"""The employer's team page: resend or revoke an invitation, remove a member (owner only)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.activity import activity_log
from core.errors import ApplicationError
from core.models import User
from jobs.models import EmployerInvitation, EmployerMembership
from jobs.models import _invite_token as new_invite_token
from jobs.services.employers import INVITATION_LIFETIME, invitation_message_send, membership_remove


def _owner_or_403(*, by: User, employer_id) -> None:
    membership = getattr(by, "employer_membership", None)
    if membership is None or membership.employer_id != employer_id or membership.role != "owner":
        raise ApplicationError(
            gettext("Only the owner can manage the team."),
            code="permission_denied",
            status_code=403,
            fields={"team": [gettext("只有企业负责人可以管理团队。")]},
        )


def _pending(invitation: EmployerInvitation) -> EmployerInvitation:
    invitation = (
        EmployerInvitation.objects.select_for_update().select_related("employer").get(pk=invitation.pk)
    )
    if invitation.accepted_at:
        raise ApplicationError(
            gettext("The invitation was already accepted."),
            code="invalid_state",
            status_code=409,
            fields={"invitation": [gettext("该邀请已被接受。")]},
        )
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: EmployerInvitation, by: User) -> EmployerInvitation:
    """A fresh link (the old one stops working) valid for another seven days, emailed again."""
    _owner_or_403(by=by, employer_id=invitation.employer_id)
    invitation = _pending(invitation)
    invitation.token = new_invite_token()
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.save(update_fields=["token", "expires_at"])
    employer = invitation.employer
    invitation_message_send(invitation=invitation, by=by, again=True)
    activity_log(actor=by, verb="employer.invitation_resent", obj=employer, email=invitation.email)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: EmployerInvitation, by: User) -> None:
    """The link stops working at once; the row is kept (expired now) as a record."""
    _owner_or_403(by=by, employer_id=invitation.employer_id)
    invitation = _pending(invitation)
    invitation.expires_at = timezone.now()
    invitation.save(update_fields=["expires_at"])
    activity_log(
        actor=by, verb="employer.invitation_revoked", obj=invitation.employer, email=invitation.email
    )


def team_member_remove(*, membership: EmployerMembership, by: User) -> None:
    """Only the owner removes members; the owner can't be removed (membership_remove refuses)."""
    _owner_or_403(by=by, employer_id=membership.employer_id)
    membership_remove(membership=membership, by=by)
