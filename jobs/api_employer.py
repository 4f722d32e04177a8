"""API twin of the employer's results page: the same selector, so page and API cannot disagree."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from jobs import selectors


class _FairRow(serializers.Serializer):
    session = serializers.UUIDField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    computed = serializers.BooleanField()
    views = serializers.IntegerField(allow_null=True)
    unique_viewers = serializers.IntegerField(allow_null=True)
    job_card_clicks = serializers.IntegerField()
    applications = serializers.IntegerField()
    applicants = serializers.IntegerField()
    apply_rate = serializers.FloatField(allow_null=True)
    apm = serializers.FloatField(allow_null=True, help_text="applications per 1,000 views (room entries)")
    funnel = serializers.DictField(child=serializers.IntegerField())


class _PostingRow(serializers.Serializer):
    posting = serializers.UUIDField()
    title = serializers.CharField()
    job_card_clicks = serializers.IntegerField()
    applications = serializers.IntegerField()
    from_fairs = serializers.IntegerField()
    apm = serializers.FloatField(allow_null=True)
    funnel = serializers.DictField(child=serializers.IntegerField())


class EmployerResultsSerializer(serializers.Serializer):
    employer = serializers.UUIDField()
    fairs = _FairRow(many=True)
    postings = _PostingRow(many=True)
    funnel = serializers.DictField(
        child=serializers.IntegerField(), help_text="applications that reached each stage (applied → hired)"
    )


def results_payload(employer) -> dict:
    report = selectors.employer_results(employer)
    stages = selectors.PIPELINE_STAGES

    def funnel(counts):
        return dict(zip(stages, counts, strict=True))

    return {
        "employer": employer.pk,
        "fairs": [
            {
                "session": f["session"].pk,
                "title": f["session"].title,
                "starts_at": f["session"].starts_at,
                "computed": f["computed"],
                "views": f["views"],
                "unique_viewers": f["unique_viewers"],
                "job_card_clicks": f["clicks"],
                "applications": f["applications"],
                "applicants": f["applicants"],
                "apply_rate": f["apply_rate"],
                "apm": f["apm"],
                "funnel": funnel(f["funnel"]),
            }
            for f in report["fairs"]
        ],
        "postings": [
            {
                "posting": p["id"],
                "title": p["title"],
                "job_card_clicks": p["clicks"],
                "applications": p["applications"],
                "from_fairs": p["from_fairs"],
                "apm": p["apm"],
                "funnel": funnel(p["funnel"]),
            }
            for p in report["postings"]
        ],
        "funnel": dict(report["funnel"]),
    }


class EmployerResultsView(APIView):
    """The signed-in member's own company results; any other employer id is a 404."""

    @extend_schema(responses=EmployerResultsSerializer)
    def get(self, request, pk):
        membership = selectors.membership_of(request.user)
        if membership is None:
            raise PermissionDenied("Only employer members can do this.")
        if membership.employer_id != pk:
            raise NotFound()
        return Response(EmployerResultsSerializer(results_payload(membership.employer)).data)
