"""Thin, user-facing pipelines over a model folder."""

from polystyle.pipelines.synthesis import SynthesisOutput, SynthesisPipeline

__all__ = ["SynthesisOutput", "SynthesisPipeline"]
