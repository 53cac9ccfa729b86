"""Evaluation metrics, each reported with the protocol needed to reproduce it."""

from .likelihood import evaluate_nll

__all__ = ["evaluate_nll"]
