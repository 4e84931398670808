"""mlgate: deployment-readiness gates for machine-learning projects."""

__version__ = "0.1.0"
