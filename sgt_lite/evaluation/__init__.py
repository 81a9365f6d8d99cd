"""Evaluation suite: naturalness metrics, the held-out report and its figure."""
