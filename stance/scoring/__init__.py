"""The batch scorer behind ``stance score``: documents in, per-article JSON lines out."""

from .runner import ScoreOptions, ScoreSummary, score_inputs

__all__ = ["ScoreOptions", "ScoreSummary", "score_inputs"]
