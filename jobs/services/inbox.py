"""The applicant inbox: a bulk status change where every row goes through the pipeline rules."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext

from core.errors import ApplicationError
from core.models import User
from jobs.models import Application, Employer
from jobs.services.applications import application_set_status
from jobs.services.common import PIPELINE

BULK_LIMIT = 200


@dataclass
class BulkRow:
    application: Application
    ok: bool
    message: str = ""


def applications_bulk_set_status(
    *, employer: Employer, by: User, ids: list[str], status: str, note: str = ""
) -> list[BulkRow]:
    """Each selected application moves on its own (one savepoint each): a refused row does not stop
    the others, and its message says why. Ids of other employers' applications are simply not found."""
    if status not in Application.Status.values:
        raise ApplicationError(
            gettext("Unknown status."), fields={"status": [gettext("请选择要改成的状态。")]}
        )
    if not ids:
        raise ApplicationError(gettext("Nothing selected."), fields={"ids": [gettext("请先勾选求职者。")]})
    if len(ids) > BULK_LIMIT:
        raise ApplicationError(
            gettext("Too many rows."),
            fields={"ids": [gettext("一次最多处理 %(n)d 人。") % {"n": BULK_LIMIT}]},
        )
    rows = []
    found = Application.objects.filter(posting__employer=employer, pk__in=ids).select_related("posting")
    labels = dict(Application.Status.choices)
    for application in found.order_by("-created_at"):
        if status not in PIPELINE.get(application.status, set()):
            message = gettext("不能从「%(current)s」改为「%(to)s」。") % {
                "current": labels[application.status],
                "to": labels[status],
            }
            rows.append(BulkRow(application=application, ok=False, message=message))
            continue
        try:
            with transaction.atomic():
                application_set_status(application=application, by=by, status=status, note=note)
        except ApplicationError as exc:
            problems = [m for ms in exc.fields.values() for m in ms] or [str(exc.message)]
            rows.append(BulkRow(application=application, ok=False, message=" ".join(problems)))
        else:
            rows.append(BulkRow(application=application, ok=True))
    return rows
