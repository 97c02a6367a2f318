"""disentangle_core: a teaching kit for feature disentanglement in deep generative models."""

__version__ = "0.1.0"
