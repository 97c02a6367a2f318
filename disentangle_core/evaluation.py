"""Measurements of a trained model (the numbers in asset cards), and the registry that picks them.

``EVALUATIONS`` maps a card's dataset to its family's ``Evaluation``; ``evaluate NAME`` and ``publish``
look the model's family up there, so a new family plugs in with one line and no branch in the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from .losses import kl_per_latent, reconstruction

ACTIVE_KL = 0.1  # nats: a latent at or below this carries (almost) no information about x


def is_active(kl_per_latent) -> torch.Tensor:
    """Which latents are in use: True where the average KL to the prior is above ``ACTIVE_KL`` nats.

    The one rule for "active" in the kit (cards, plots, the app); takes a number, a list, an array or a
    tensor of KLs in nats and returns a bool tensor of the same shape.
    """
    return torch.as_tensor(kl_per_latent) > ACTIVE_KL  # compared in the KL's own precision


@torch.no_grad()
def encode_dataset(model, data, n: int = 5000, batch_size: int = 500, seed: int = 1234):
    """Sample ``n`` (images, factors) from ``data`` with a fixed seed; yields (x, factors) batches."""
    generator = torch.Generator().manual_seed(seed)
    for start in range(0, n, batch_size):
        batch = data.sample(min(batch_size, n - start), generator)
        yield batch["x"], batch["factors"]


@torch.no_grad()
def reconstruction_metrics(model, data, n: int = 5000, seed: int = 1234) -> dict:
    """Reconstruction NLL (nats per image), KL (nats) and the count of active latents, on ``n`` fresh samples.

    The decoder is fed the encoder means, as at test time.
    """
    model.eval()
    device = next(model.parameters()).device
    data.to(device)
    recon, kl, count = 0.0, None, 0
    for x, _ in encode_dataset(model, data, n, seed=seed):
        out = model(x)
        recon += reconstruction(out["x_logits"], x, model.config.recon).item() * len(x)
        if "logvar" in out:
            per_latent = kl_per_latent(out["mu"], out["logvar"]) * len(x)
            kl = per_latent if kl is None else kl + per_latent
        count += len(x)
    metrics = {"recon_nll": round(recon / count, 2)}
    if kl is not None:
        kl = kl / count
        metrics.update(kl=round(kl.sum().item(), 2), active_latents=int(is_active(kl).sum()))
    return metrics


# --- one registry: a card's dataset -> how its models are measured --------------------------------


def format_scores(result: dict) -> str:
    """Any evaluation's result as an aligned table of its scalar scores (lists and tables left to --json)."""
    lines = [f"{'metric':<28}{'value':>10}"]
    for key, value in result.items():
        if isinstance(value, float):
            lines.append(f"{key:<28}{value:>10.3f}")
        elif isinstance(value, (int, str)) and not isinstance(value, bool):
            lines.append(f"{key:<28}{value:>10}")
    return "\n".join(lines)


def format_metrics(result: dict) -> str:
    """The dSprites scores as an aligned table, then the latent x factor MI matrix and the sample counts."""
    matrix, names = result["mi_matrix"], result["factor_names"]
    lines = [format_scores(result), "", "mutual information (nats), latent x factor",
             "     " + "".join(f"{n:>12}" for n in names)]
    lines += [f"z{d:<4}" + "".join(f"{v:>12.3f}" for v in row) for d, row in enumerate(matrix)]
    counts = ", ".join(f"{k}={v}" for k, v in result["sample_counts"].items())
    return "\n".join(lines + ["", f"sample counts: {counts}"])


def measure_dsprites(model, card: dict, *, counts: str = "standard", seed: int = 0, data_dir=None,
                     device="cpu") -> dict:
    """Reconstruction, KL and every disentanglement score on dSprites (procedural, or the ``.npz`` at ``data_dir``)."""
    from .data import make_dataset
    from .metrics import evaluate_all

    if data_dir is not None:
        data = make_dataset("dsprites_npz", path=data_dir, device=device)
    else:
        data = make_dataset(card.get("dataset", "dsprites"), device=device)
    return {**reconstruction_metrics(model, data), **evaluate_all(model, data, seed=seed, counts=counts)}


def held_out_digits(data_dir=None, device="cpu") -> tuple[dict, str]:
    """The digits a digits model is measured on, and where they came from: the ``test`` split of the MNIST
    folder ``data_dir`` (else of the kit's default folder, when present), else 2,000 procedural digits."""
    from .data.digits import MNISTDigits

    try:
        data = MNISTDigits(data_dir, split="test", device=device)
    except FileNotFoundError:
        if data_dir is not None:
            raise
        from .data.digits import ProceduralDigits

        batch = ProceduralDigits(device=device).sample(2000, torch.Generator().manual_seed(1234))
        return {"x": batch["x"], "labels": batch["labels"]}, "2,000 procedural digits (no MNIST folder found)"
    x = torch.cat([b["x"] for b in data.batches()])
    return {"x": x, "labels": data.labels}, f"MNIST {data.split} split of the folder {data.data_dir.name!r} ({len(x):,} digits)"


def measure_digits(model, card: dict, *, counts: str = "standard", seed: int = 0, data_dir=None,
                   device="cpu") -> dict:
    """Categorical accuracy on held-out digits, continuous codes against slant and ink; for a VAE also the
    reconstruction and the KL of each continuous latent (``continuous_kl``, which ``traverse`` ranks by)."""
    from .metrics.digits import digits_scores

    model.eval().to(device)
    data, source = held_out_digits(data_dir, device)
    scores = {"data": source, **digits_scores(model, data["x"], data["labels"], counts, seed)}
    if getattr(model, "has_prior", False):  # a VAE: its reconstruction and KL too
        with torch.no_grad():
            out = model(data["x"])
            scores["recon_nll"] = round(reconstruction(out["x_logits"], data["x"]).item(), 2)
            per_latent = kl_per_latent(out["mu"], out["logvar"])
            scores.update(kl=round(per_latent.sum().item(), 2), active_latents=int(is_active(per_latent).sum()),
                          continuous_kl=[round(v, 3) for v in per_latent.tolist()])
    return scores


@dataclass(frozen=True)
class Evaluation:
    """How the models of one dataset family are measured, by ``evaluate`` and ``publish`` alike.

    ``measure(model, card, *, counts, seed, data_dir, device) -> dict`` returns JSON-able scores;
    ``headline`` names the scores ``publish`` writes into the card's ``metrics`` (and the asset tables),
    ``card_keys`` other results it stores in the card beside them (e.g. the MI matrix).
    """

    measure: Callable[..., dict]
    headline: tuple[str, ...]
    card_keys: tuple[str, ...] = ()
    format: Callable[[dict], str] = format_scores
    summary: str = ""


DSPRITES = Evaluation(
    measure=measure_dsprites,
    headline=("recon_nll", "kl", "active_latents", "mig", "factor_vae", "beta_vae", "dci_disentanglement",
              "dci_completeness", "dci_informativeness", "sap"),
    card_keys=("mi_matrix", "factor_names"), format=format_metrics,
    summary="dSprites: reconstruction, KL, active latents, BetaVAE, FactorVAE, MIG, DCI, SAP and the MI matrix")

DIGITS = Evaluation(
    measure=measure_digits,
    headline=("categorical_accuracy", "slant_spearman", "slant_code", "ink_spearman", "ink_code", "recon_nll", "kl"),
    card_keys=("confusion", "category_to_digit", "code_correlations", "continuous_kl", "data"),
    summary="digits: categorical accuracy (Hungarian matching), continuous codes vs slant and ink (Spearman)")


def measure_gzsl(model, card: dict, **options) -> dict:
    """U, S, H and the diagnostics of a GZSL model (``metrics/gzsl_evaluate.py``; imported when used)."""
    from .metrics.gzsl_evaluate import measure_gzsl

    return measure_gzsl(model, card, **options)


def format_gzsl(result: dict) -> str:
    from .metrics.gzsl_evaluate import format_gzsl

    return format_gzsl(result)


GZSL = Evaluation(
    measure=measure_gzsl, headline=("u", "s", "h", "h_calibrated", "seen_to_unseen", "probe_t", "probe_p", "probe_z"),
    card_keys=("calibration", "calibration_sweep", "baseline_u", "baseline_s", "baseline_h"), format=format_gzsl,
    summary="GZSL: U, S, H over seen and unseen classes, calibrated stacking, latent probes, a baseline")

def measure_faces(model, card: dict, **options) -> dict:
    """Transfer, removal, identity, success and leakage on held-out procedural faces (``metrics/faces.py``)."""
    from .metrics.faces import measure_faces

    return measure_faces(model, card, **options)


FACES = Evaluation(
    measure=measure_faces,
    headline=("transfer_psnr", "transfer_ssim", "identity_psnr", "removal_psnr", "success_transfer",
              "success_removal", "leakage"),
    card_keys=("recon_psnr_a", "recon_psnr_b", "unchanged_psnr", "removal_ssim", "classifier_accuracy",
               "mask_fraction", "data"),
    summary="faces: transfer and removal PSNR/SSIM against the true drawings, identity outside the mask, "
            "attribute-classifier success, domain leakage of the common code")

def measure_photos(model, card: dict, **options) -> dict:
    """Reconstruction, removal change and leakage of a content-addition model on CelebA's test photos."""
    from .metrics.faces import measure_photos

    return measure_photos(model, card, **options)


PHOTOS = Evaluation(
    measure=measure_photos, headline=("recon_psnr_a", "recon_psnr_b", "removal_change_psnr", "leakage"),
    card_keys=("data",),
    summary="CelebA: reconstruction PSNR of each domain, how much removal changes a photo, domain leakage")

# Each family adds one line here (its dataset names -> its Evaluation); the CLI never branches on names.
EVALUATIONS: dict[str, Evaluation] = {"dsprites": DSPRITES, "dsprites_npz": DSPRITES, "mnist": DIGITS, "digits": DIGITS,
                                      "gzsl": GZSL, "xlsa17": GZSL, "faces": FACES,
                                      "celeba": PHOTOS}


def evaluation_for(card: dict) -> Evaluation:
    """The evaluation registered for the dataset a model was trained on (its card's ``dataset``)."""
    dataset = card.get("dataset", "dsprites")
    if dataset not in EVALUATIONS:
        raise ValueError(f"no evaluation is registered for dataset {dataset!r}; known: {', '.join(EVALUATIONS)}")
    return EVALUATIONS[dataset]


def evaluate(model, card: dict, *, counts: str = "standard", seed: int = 0, data_dir=None, device="cpu") -> dict:
    """Measure ``model`` the way its family is measured (``evaluation_for(card)``); returns the scores."""
    return evaluation_for(card).measure(model, card, counts=counts, seed=seed, data_dir=data_dir, device=device)


def card_updates(evaluation: Evaluation, result: dict, counts: str) -> dict:
    """What ``publish`` writes into a card from an evaluation's ``result``: headline metrics and extras."""
    metrics = {k: round(result[k], 3) if isinstance(result[k], float) else result[k]
               for k in evaluation.headline if k in result}
    return {"metrics": metrics, "metric_counts": counts, **{k: result[k] for k in evaluation.card_keys if k in result}}
