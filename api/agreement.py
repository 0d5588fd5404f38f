"""Agreement between annotators (`GET /api/agreement/`), for editors and admins: the report of
`agreement.report` over the claims the claim list's filters choose."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from accounts.authentication import viewer
from agreement import report
from annotations import rules
from annotations.filters import AgreementFilter
from annotations.models import Claim


class MeasureSerializer(serializers.Serializer):
    alpha = serializers.FloatField(
        allow_null=True, help_text="Krippendorff's α: 1 perfect, 0 chance, below 0 worse."
    )
    ci95 = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="Bootstrap 95 % interval over units (seeded): [low, high].",
    )
    units = serializers.IntegerField(help_text="Claims with two or more values counted.")
    reason = serializers.CharField(
        required=False, help_text="Why `alpha` is null (absent when it is not)."
    )


class TagMeasureSerializer(MeasureSerializer):
    slug = serializers.SlugField(help_text="α on the tag's presence or absence (nominal).")


class PairSerializer(serializers.Serializer):
    a = serializers.CharField(help_text="Username.")
    b = serializers.CharField(help_text="Username (after `a` in alphabetical order).")
    units = serializers.IntegerField(help_text="Claims both gave a verdict on.")
    kappa_verdict = serializers.FloatField(
        allow_null=True, help_text="Cohen's κ on their verdicts (null below 10 shared units)."
    )
    reason = serializers.CharField(required=False, help_text="Why `kappa_verdict` is null.")


class DisagreementSerializer(serializers.Serializer):
    claim = serializers.IntegerField(help_text="Claim id.")
    spread = serializers.FloatField(
        help_text="0 (all agree) to 1: mean over pairs of annotators of verdict mismatch, "
        "tag Jaccard distance and confidence difference."
    )


class AgreementSerializer(serializers.Serializer):
    units = serializers.IntegerField(help_text="Claims with annotations by two or more authors.")
    annotators = serializers.IntegerField(help_text="Authors of the annotations counted.")
    verdict = MeasureSerializer(help_text="α on verdicts, nominal.")
    confidence = MeasureSerializer(help_text="α on confidence, interval.")
    tags = TagMeasureSerializer(many=True)
    pairs = PairSerializer(many=True)
    disagreements = DisagreementSerializer(
        many=True, help_text="The claims with the largest spread, largest first (up to 20)."
    )


class AgreementView(generics.GenericAPIView):
    """How far annotators agree on the claims the filters choose: Krippendorff's α on
    verdicts, each tag and confidence with bootstrap 95 % intervals, Cohen's κ between every
    two annotators, and the claims they disagree on most. Editors and admins only."""

    filterset_class = AgreementFilter
    serializer_class = AgreementSerializer
    pagination_class = None

    def get_queryset(self):
        return Claim.objects.visible_to(viewer(self.request))

    @extend_schema(responses=AgreementSerializer, filters=True)
    def get(self, request):
        user = viewer(request)
        rules.require(
            rules.can_view_agreement(user), _("Agreement figures are for editors and admins.")
        )
        filterset = AgreementFilter(
            request.query_params, queryset=self.get_queryset(), request=request, viewer=user
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        statuses = filterset.statuses or report.DEFAULT_STATUSES
        return Response(report.agreement_report(filterset.qs, statuses))
