"""A capture's analysis: foreign-language insertions, suggested claims and suggested tags
(intelligence). Registered under /api/captures/{id}/analysis/ from here, since
the archive's capture endpoints know nothing of annotations."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import viewer
from archive.models import Capture
from intelligence.analysis import analyse
from publication import representations

AnalysisSchema = inline_serializer(
    "CaptureAnalysis",
    {
        "capture": serializers.IntegerField(),
        "language": serializers.CharField(help_text="The capture's declared language."),
        "foreign_spans": inline_serializer(
            "ForeignSpan",
            {
                "start": serializers.IntegerField(help_text="Code-point offset."),
                "end": serializers.IntegerField(help_text="Code-point offset after the span."),
                "text": serializers.CharField(help_text="The capture's text at start–end."),
                "language": serializers.CharField(help_text="The language it reads as."),
                "score": serializers.FloatField(help_text="0–1: how clearly foreign."),
            },
            many=True,
        ),
        "suggestions": inline_serializer(
            "ClaimSuggestion",
            {
                "start": serializers.IntegerField(),
                "end": serializers.IntegerField(),
                "quote": serializers.CharField(help_text="The sentence at start–end."),
                "tags": serializers.ListField(child=serializers.SlugField()),
                "reason": serializers.CharField(help_text="The patterns it matches."),
            },
            many=True,
        ),
        "tags": serializers.ListField(
            child=serializers.SlugField(), help_text="Tags suggested for the capture as a whole."
        ),
    },
)


class CaptureAnalysisView(APIView):
    """What the offline analysis finds in a capture: words of another language inserted in
    its text (offsets in code points), sentences matching the desk's tag patterns that are
    not yet marked as claims, and tags suggested for the capture as a whole (e.g.
    `spun-or-garbled-text` when it has several insertions). Anyone who may read the capture
    may read its analysis."""

    @extend_schema(responses=AnalysisSchema, operation_id="captures_analysis_retrieve")
    def get(self, request, pk: int):
        capture = get_object_or_404(Capture.objects.select_related("article__source"), pk=pk)
        analysis = analyse(capture, viewer(request))
        return Response(
            representations.capture_analysis(
                capture_id=capture.pk,
                language=analysis.language,
                foreign_spans=analysis.foreign_spans,
                suggestions=analysis.suggestions,
                tags=analysis.tags,
            )
        )
