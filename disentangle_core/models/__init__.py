"""The model registry: one entry per model family, each class with its frozen config class."""

from __future__ import annotations

from .autoencoder import Autoencoder, AutoencoderConfig
from .base import GenerativeModel, NonFiniteLossError, check_finite  # noqa: F401  (re-exported)
from .beta_tcvae import BetaTCVAE, BetaTCVAEConfig
from .beta_vae import BetaVAE, BetaVAEConfig
from .cada_vae import CADAVAE, CADAVAEConfig
from .content_ae import ContentAE, ContentAEConfig
from .dvae import DVAE, DVAEConfig
from .factor_vae import FactorVAE, FactorVAEConfig
from .infogan import InfoGAN, InfoGANConfig
from .joint_vae import JointVAE, JointVAEConfig
from .masked_content_ae import MaskedContentAE, MaskedContentAEConfig
from .nets import for_cpu_inference  # noqa: F401  (re-exported)

MODELS = {
    "autoencoder": (Autoencoder, AutoencoderConfig),
    "beta_vae": (BetaVAE, BetaVAEConfig),
    "beta_tcvae": (BetaTCVAE, BetaTCVAEConfig),
    "factor_vae": (FactorVAE, FactorVAEConfig),
    "infogan": (InfoGAN, InfoGANConfig),
    "joint_vae": (JointVAE, JointVAEConfig),
    "cada_vae": (CADAVAE, CADAVAEConfig),
    "dvae": (DVAE, DVAEConfig),
    "content_ae": (ContentAE, ContentAEConfig),
    "masked_content_ae": (MaskedContentAE, MaskedContentAEConfig),
}


def build_model(name: str, **config) -> GenerativeModel:
    """Build a registered model from its name and config fields; unknown names or fields are errors."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from: {', '.join(MODELS)}")
    model_cls, config_cls = MODELS[name]
    fields = set(config_cls.__dataclass_fields__)
    unknown = sorted(set(config) - fields)
    if unknown:
        raise ValueError(
            f"unknown config field(s) {unknown} for model {name!r}; choose from: {', '.join(sorted(fields))}"
        )
    return model_cls(config_cls(**{k: _check_type(name, k, v, config_cls) for k, v in config.items()}))


def _check_type(model: str, key: str, value, config_cls):
    """Accept a value of the field's declared type (an int where a float is declared), else a clear error."""
    declared = str(config_cls.__dataclass_fields__[key].type)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if declared == "float" and is_number:
        return float(value)
    if declared == "int" and is_number and float(value).is_integer():
        return int(value)
    if declared == "str" and isinstance(value, str):
        return value
    if declared not in ("float", "int", "str"):
        return value
    raise ValueError(f"config field {key!r} of model {model!r} must be {declared}, got {value!r}")
