"""Thin, user-facing pipelines over a model folder."""

from polystyle.pipelines.synthesis import SynthesisOutput, SynthesisPipeline
from polystyle.pipelines.translation import TranslationOutput, TranslationPipeline

__all__ = ["SynthesisOutput", "SynthesisPipeline", "TranslationOutput", "TranslationPipeline"]
