"""InfoGAN (Chen et al. 2016): a GAN whose codes must be recoverable from the image it draws.

The generator G draws x = G(z, c) from noise z and codes c (a Cat(10) and two Uniform(-1, 1) on MNIST).
A head Q on the discriminator's trunk reads c back from x; maximising the lower bound L_I on the
mutual information I(c; G(z, c)) makes the codes mean something, with no labels.
  min_{G,Q} max_D  V(D, G) - λ · L_I(G, Q),   L_I = E[log Q(c | G(z, c))] + H(c)
Chen et al., "InfoGAN: Interpretable Representation Learning by Information Maximizing Generative
Adversarial Nets", NeurIPS 2016 (MNIST networks and optimisers from its appendix and official code).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import gaussian_log_density, r1_penalty
from .base import GenerativeModel, check_finite
from .nets import Float32Linear

NORMS = ("batch", "spectral")  # the discriminator's normalisation (spectral: Miyato et al. 2018)
INITS = ("torch", "normal")  # PyTorch's default initialisation, or the official code's N(0, 0.02)
PENALTIES = ("none", "r1")  # R1: Mescheder et al. 2018, γ/2 · E||∇_x D(x)||² on real images


@dataclass(frozen=True)
class InfoGANConfig:
    noise_dim: int = 62  # incompressible noise z ~ Uniform(-1, 1), as in the official code
    num_categories: int = 10  # one categorical code c1 ~ Cat(10)
    continuous_dim: int = 2  # c2, c3 ~ Uniform(-1, 1)
    hidden: int = 1024  # width of G's first layer and of the D/Q trunk's last one (the paper's 1024)
    lambda_categorical: float = 1.0  # λ of the categorical term (the paper: 1 suffices)
    lambda_continuous: float = 0.1  # a smaller λ keeps the Gaussian term on the GAN's scale (section 7)
    q_std: str = "learned"  # Q's Gaussian over the continuous codes: "learned" std or "fixed" at 1
    d_norm: str = "batch"  # "batch" (the paper) or "spectral"
    penalty: str = "none"  # "none" (the paper) or "r1"
    r1_gamma: float = 10.0
    leak: float = 0.1  # slope of the leaky ReLUs in D and Q (the official code: 0.01)
    init: str = "torch"  # "torch" (PyTorch's defaults) or "normal": the official code's N(0, 0.02) weights
    lr: float = 1e-3  # G Adam (the paper's generator rate), betas (0.5, 0.999)
    discriminator_lr: float = 2e-4  # D and Q Adam, betas (0.5, 0.999)

    def __post_init__(self):
        for key, value, choices in (
            ("d_norm", self.d_norm, NORMS),
            ("penalty", self.penalty, PENALTIES),
            ("q_std", self.q_std, ("learned", "fixed")),
            ("init", self.init, INITS),
        ):
            if value not in choices:
                raise ValueError(f"unknown {key} {value!r}; choose from: {', '.join(choices)}")

    @property
    def code_dim(self) -> int:  # the generator's input: [z (62), c_cont (2), one-hot c_cat (10)]
        return self.noise_dim + self.continuous_dim + self.num_categories


class Generator(nn.Module):
    """FC hidden, FC 7x7x128 (BN, ReLU), up-conv 64, up-conv 1: (B, code_dim) -> (B, 1, 28, 28) logits."""

    def __init__(self, code_dim: int, hidden: int):
        super().__init__()
        self.fc = nn.Sequential(
            Float32Linear(code_dim, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Linear(hidden, 128 * 7 * 7),
            nn.BatchNorm1d(128 * 7 * 7),
            nn.ReLU(),
        )
        self.conv = nn.Sequential(
            nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1)
        )  # 7 -> 14 -> 28

    def forward(self, code):
        return self.conv(self.fc(code).view(-1, 128, 7, 7))


class Trunk(nn.Module):
    """The layers D and Q share: conv 64, conv 128, FC hidden (leaky ReLUs): (B, 1, 28, 28) -> (B, hidden)."""

    def __init__(self, hidden: int, norm: str, leak: float = 0.1):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm if norm == "spectral" else (lambda layer: layer)
        bn2d = nn.Identity if norm == "spectral" else nn.BatchNorm2d  # spectral norm replaces batch norm
        bn1d = nn.Identity if norm == "spectral" else nn.BatchNorm1d
        self.net = nn.Sequential(
            sn(nn.Conv2d(1, 64, 4, 2, 1)),
            nn.LeakyReLU(leak),  # 28 -> 14
            sn(nn.Conv2d(64, 128, 4, 2, 1)),
            bn2d(128),
            nn.LeakyReLU(leak),  # 14 -> 7
            nn.Flatten(),
            sn(nn.Linear(128 * 7 * 7, hidden)),
            bn1d(hidden),
            nn.LeakyReLU(leak),
        )

    def forward(self, x):
        return self.net(x)


@torch.no_grad()
def normal_init(module: nn.Module, std: float = 0.02) -> None:
    """The official code's initialisation: every weight N(0, std), every bias 0, batch-norm scales N(1, std)."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(layer.weight, 0.0, std)
            nn.init.zeros_(layer.bias)
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(layer.weight, 1.0, std)
            nn.init.zeros_(layer.bias)


class InfoGAN(GenerativeModel):
    name = "infogan"
    has_prior = False  # codes are uniform and categorical, not N(0, 1)
    continuous_span = 1.0  # the continuous codes' training range is [-1, 1]
    training_only = ("d_head",)  # the real/fake logit; Q (and the trunk it reads) ships, to read drawn digits

    def __init__(self, config: InfoGANConfig = InfoGANConfig()):
        super().__init__(config)
        cfg = config
        self.generator = Generator(cfg.code_dim, cfg.hidden)
        self.trunk = Trunk(cfg.hidden, cfg.d_norm, cfg.leak)
        self.d_head = nn.Linear(cfg.hidden, 1)
        self.q_head = nn.Sequential(
            nn.Linear(cfg.hidden, 128),
            nn.BatchNorm1d(128),
            nn.LeakyReLU(cfg.leak),
            Float32Linear(128, cfg.num_categories + 2 * cfg.continuous_dim),
        )  # fp32 under autocast
        if cfg.init == "normal":
            normal_init(self)
        # where each part sits in a code vector (decode, traversals and the app use them)
        self.continuous_slice = slice(cfg.noise_dim, cfg.noise_dim + cfg.continuous_dim)
        self.categorical_slice = slice(cfg.noise_dim + cfg.continuous_dim, cfg.code_dim)

    # ---- codes -------------------------------------------------------------------------------------

    def sample_code(self, n: int, generator: torch.Generator | None = None, device=None) -> dict:
        """Random codes: ``{"code": (n, code_dim), "category": (n,), "continuous": (n, continuous_dim)}``."""
        cfg, device = self.config, device or next(self.parameters()).device
        noise = torch.rand(n, cfg.noise_dim, generator=generator) * 2 - 1
        continuous = torch.rand(n, cfg.continuous_dim, generator=generator) * 2 - 1
        category = torch.randint(cfg.num_categories, (n,), generator=generator)
        code = self.make_code(noise, category, continuous)
        return {"code": code.to(device), "category": category.to(device), "continuous": continuous.to(device)}

    def make_code(self, noise, category, continuous) -> torch.Tensor:
        """(B, noise_dim), (B,) ints, (B, continuous_dim) -> (B, code_dim)."""
        one_hot = F.one_hot(category.long(), self.config.num_categories).to(noise.dtype)
        return torch.cat([noise, continuous.to(noise.dtype), one_hot], dim=1)

    def read(self, x) -> dict:
        """What Q reads from images x in [0, 1]: category logits (B, K), continuous mean and logvar (B, Dc)."""
        cfg = self.config
        out = self.q_head(self.trunk(x))  # fp32
        logits, mean, logvar = out.split([cfg.num_categories, cfg.continuous_dim, cfg.continuous_dim], dim=1)
        if cfg.q_std == "fixed":
            logvar = torch.zeros_like(logvar)
        return {"category_logits": logits, "continuous": mean, "continuous_logvar": logvar}

    # ---- the model contract --------------------------------------------------------------------------

    def encode(self, x):  # (B, 1, 28, 28) -> (B, code_dim): Q's reading as a code, with zero noise
        reading = self.read(x)
        category = reading["category_logits"].argmax(1)
        return (
            self.make_code(
                torch.zeros(len(x), self.config.noise_dim, device=x.device), category, reading["continuous"]
            ),
        )

    def decode(self, code):  # (B, code_dim) -> (B, 1, 28, 28) logits
        return self.generator(code)

    def forward(self, x) -> dict:
        """Read x's codes with Q and redraw it from them (zero noise): the app's "draw a digit"."""
        code = self.encode(x)[0]
        return {"code": code, "x_logits": self.decode(code), **self.read(x)}

    @torch.no_grad()
    def latent_activity(self, x) -> torch.Tensor:
        """(code_dim,) the variance of each code entry Q reads from ``x`` (noise entries read as 0)."""
        return self.encode(x)[0].float().var(0)

    def information_loss(self, x_fake, sample: dict) -> dict:
        """-L_I, up to the constant H(c): cross-entropy of the category, Gaussian NLL of the continuous codes."""
        reading = self.read(x_fake)
        categorical = F.cross_entropy(reading["category_logits"], sample["category"])
        nll = -gaussian_log_density(sample["continuous"], reading["continuous"], reading["continuous_logvar"])
        continuous = nll.sum(1).mean()  # nats, summed over the continuous codes
        cfg = self.config
        return {
            "info": cfg.lambda_categorical * categorical + cfg.lambda_continuous * continuous,
            "info_categorical": categorical,
            "info_continuous": continuous,
        }

    def loss(self, batch, out, step) -> dict:
        """The generator's objective on a fresh batch: non-saturating GAN loss plus λ · (-L_I)."""
        sample = self.sample_code(len(batch["x"]))
        x_fake = torch.sigmoid(self.decode(sample["code"]))
        adversarial = F.binary_cross_entropy_with_logits(
            self.d_head(self.trunk(x_fake)).float(), torch.ones(len(x_fake), 1, device=x_fake.device)
        )
        info = self.information_loss(x_fake, sample)
        return {"loss": adversarial + info["info"], "generator": adversarial, **info}

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.config
        discriminator = [*self.trunk.parameters(), *self.d_head.parameters(), *self.q_head.parameters()]
        return {
            "discriminator": torch.optim.Adam(discriminator, lr=cfg.discriminator_lr, betas=(0.5, 0.999)),
            "generator": torch.optim.Adam(self.generator.parameters(), lr=cfg.lr, betas=(0.5, 0.999)),
        }

    def training_step(self, batch: dict, step: int, optimizers: dict) -> dict:
        cfg, x_real = self.config, batch["x"]  # (B, 1, 28, 28) in [0, 1]
        n = len(x_real)
        ones, zeros = torch.ones(n, 1, device=x_real.device), torch.zeros(n, 1, device=x_real.device)

        # (1) update D and Q: real images are 1, generated ones 0; Q learns to read the codes back
        sample = self.sample_code(n)
        with torch.no_grad():
            x_fake = torch.sigmoid(self.decode(sample["code"]))
        if cfg.penalty == "r1":
            x_real = x_real.detach().requires_grad_(True)
        real_logits = self.d_head(self.trunk(x_real)).float()
        fake_features = self.trunk(x_fake)
        discriminator = F.binary_cross_entropy_with_logits(real_logits, ones) + F.binary_cross_entropy_with_logits(
            self.d_head(fake_features).float(), zeros
        )
        terms = {"discriminator": discriminator}
        if cfg.penalty == "r1":
            terms["r1"] = r1_penalty(real_logits, x_real, cfg.r1_gamma)
        info = self.information_loss(x_fake, sample)
        check_finite({**terms, **info}, step)
        optimizers["discriminator"].zero_grad(set_to_none=True)
        (sum(terms.values()) + info["info"]).backward()
        optimizers["discriminator"].step()

        # (2) update G: fool D (non-saturating loss) and keep its codes readable by Q
        g_terms = self.loss(batch, None, step)
        check_finite(g_terms, step)
        optimizers["generator"].zero_grad(set_to_none=True)
        g_terms["loss"].backward()  # also leaves gradients in D and Q; (1) clears them first next step
        optimizers["generator"].step()
        return {**{k: v.detach() for k, v in g_terms.items()}, **{k: v.detach() for k, v in terms.items()}}
