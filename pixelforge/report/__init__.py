"""Reports a person reads: HTML pages and PNG plots."""

from .html import Section, write_report
from .plots import plot_training_curves

__all__ = ["Section", "write_report", "plot_training_curves"]
