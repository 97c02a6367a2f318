"""Tab "Train it yourself": a short β-VAE run on procedural dSprites, watched as it goes.

The loss terms (reconstruction; KL and, for the capacity objective, C(t)) are drawn while the run
goes on, so that warm-up, posterior collapse and the capacity schedule can be seen happening; at the
end come the KL of each latent and the traversal. A cancelled run keeps the curves drawn so far.

Runs on the GPU when there is one, including Hugging Face ZeroGPU (the ``spaces`` package, a no-op
decorator elsewhere). One run at a time for the whole server; a CPU run is capped at ``CPU_MAX_STEPS``.
"""

from __future__ import annotations

import queue
import threading
import time

import gradio as gr
import torch

from ..data import ProceduralDSprites
from ..models import build_model
from ..plotting import traversal_grid
from ..train import PRECISIONS, resolve_device, resolve_precision, train
from ..traversal import traverse
from .common import image_file
from .curves import ACTIVE, KL_TERMS, OFF, RECON_TERMS, curve_frame, kl_bars
from .dsprites_views import reference_batch
from .inputs import check_choice, check_number
from .train_jobs import TrainingCancelled, TrainingJobs
from .ui import t, user_errors

try:  # Hugging Face ZeroGPU: borrow a GPU for the duration of one call
    import spaces

    on_gpu = spaces.GPU(duration=120)
except ImportError:
    on_gpu = lambda fn: fn  # noqa: E731  (no ZeroGPU: run where we are)

CPU_MAX_STEPS = 2_000  # about two minutes of a laptop core per 1,000 steps at batch 64
GPU_MAX_STEPS = 20_000
DEFAULT_STEPS = 1_000  # about two minutes of one CPU core; position and size get their own latents
BATCH_SIZE = 64
BETA_RANGE = (0.0, 20.0)
CAPACITY_RANGE = (0.0, 50.0)  # nats
OBJECTIVES = ("beta", "capacity")
# The KL weight rises 0 -> 1 over the whole run. Measured on this kit's CPU: with β = 4 and 2,000
# steps, a warm-up over the first fifth (or none) ends in posterior collapse (KL ~0 nats), while a
# warm-up over the whole run ends with posX, posY and scale each on its own latent (KL 9.8 nats).
JOBS = TrainingJobs()
REDRAW_S = 0.5  # at most two redraws of the curves a second, however fast the steps come

TEXT = {
    "en": {
        "train.tab": "Train it yourself",
        "train.intro": "Train a small β-VAE (10 latents) on procedural dSprites right here, then look at its "
        "traversal. 1,000 steps (about two minutes on a CPU) already give position and size latents of "
        "their own; shape needs far longer. "
        "Only one run at a time for everyone: you may have to wait in the queue.",
        "train.objective": "Objective",
        "train.objective_info": "beta: recon + β·KL (Higgins et al. 2017). capacity: recon + γ·|KL − C|, "
        "where the allowed KL C rises from 0 to C_max over the run (Burgess et al. 2018). "
        "Either way the KL "
        "weight rises from 0 to its full value over the run, so that short runs do not "
        "collapse.",
        "train.beta": "β",
        "train.beta_info": "Weight of the KL term (objective beta). 1 is the VAE; larger β, fewer but cleaner latents.",
        "train.capacity": "C_max (nats)",
        "train.capacity_info": "Information the code may carry at the end of the run (objective capacity).",
        "train.steps": "Training steps",
        "train.precision": "Precision",
        "train.precision_info": "auto: bf16 where the hardware computes it natively (a GPU, or a CPU with "
        "AVX512-BF16, AMX or Arm BF16), else fp32. The status line says which one ran.",
        "train.steps_info": "Optimiser steps of 64 images each. On a CPU at most 2,000 (a few minutes); "
        "with a GPU at most 20,000.",
        "train.start": "Train",
        "train.cancel": "Cancel",
        "train.status": "Status",
        "train.result": "Traversal of the trained model",
        "train.recon_curve": "Reconstruction (nats per image), as the run goes",
        "train.kl_curve": "KL to the prior and, for capacity, its target C(t) (nats)",
        "train.kl_bars": "KL of each latent at the end (nats): grey latents are switched off",
    },
    "ja": {
        "train.tab": "自分で学習する",
        "train.intro": "小さな β-VAE（潜在変数 10 個）を手続き生成の dSprites でここで学習し、そのトラバーサルを"
        "見てみましょう。1,000 ステップ（CPU で約 2 分）で位置と大きさがそれぞれ別の潜在変数になります。"
        "形にはずっと長い学習が必要です。"
        "学習は全員で一度に一つだけなので、順番待ちになることがあります。",
        "train.objective": "目的関数",
        "train.objective_info": "beta：再構成 + β·KL（Higgins ら 2017）。capacity：再構成 + γ·|KL − C|、"
        "許される KL の量 C が学習中に 0 から C_max まで増えます（Burgess ら 2018）。どちらも "
        "KL の重みを"
        "学習全体で 0 から本来の値まで上げるので、短い学習でも潰れません。",
        "train.beta": "β",
        "train.beta_info": "KL 項の重み（目的関数 beta）。1 は VAE。β が大きいほど、使う潜在変数は少なく、"
        "しかしきれいに分かれます。",
        "train.capacity": "C_max（nats）",
        "train.capacity_info": "学習の終わりに符号が運べる情報量（目的関数 capacity）。",
        "train.steps": "学習ステップ数",
        "train.precision": "数値精度",
        "train.precision_info": "auto: ハードウェアが bf16 をネイティブに計算できる場合（GPU、または AVX512-BF16・AMX・"
        "Arm BF16 を持つ CPU）は bf16、それ以外は fp32。"
        "実際に使った精度は状態欄に表示されます。",
        "train.steps_info": "1 ステップは 64 枚の画像。CPU では最大 2,000（数分）、GPU では最大 20,000。",
        "train.start": "学習開始",
        "train.cancel": "中止",
        "train.status": "状態",
        "train.result": "学習したモデルのトラバーサル",
        "train.recon_curve": "再構成誤差（画像 1 枚あたりの nats）、学習の進行とともに",
        "train.kl_curve": "事前分布への KL と、capacity ではその目標 C(t)（nats）",
        "train.kl_bars": "学習後の潜在変数ごとの KL（nats）：灰色は使われていない潜在変数",
    },
}


def max_steps() -> int:
    return GPU_MAX_STEPS if torch.cuda.is_available() else CPU_MAX_STEPS


def step_budget_name() -> str:
    where = "with a GPU" if torch.cuda.is_available() else "on a CPU"
    return f"the step budget (at most {max_steps():,} steps {where})"


def check_request(objective, beta, capacity_max, steps, precision="auto") -> dict:
    """The run's settings, each checked; a step budget over this machine's cap is refused."""
    objective = check_choice(objective, OBJECTIVES, "objective")
    beta = check_number(beta, "β", *BETA_RANGE)
    capacity_max = check_number(capacity_max, "C_max", *CAPACITY_RANGE)
    steps = check_number(steps, step_budget_name(), 1, max_steps(), integer=True)
    precision = check_choice(precision, PRECISIONS, "precision")
    return {
        "objective": objective,
        "beta": beta,
        "capacity_max": capacity_max,
        "steps": steps,
        "precision": resolve_precision(precision, resolve_device("auto")),
    }


def run_training(settings: dict, on_step, cancelled) -> tuple:
    """Train a fresh β-VAE; ``on_step(step, row)`` reports progress, ``cancelled()`` stops the run.

    Returns (traversal grid, KL of each latent (D,), training history, seconds, device name).
    """
    device = resolve_device("auto")
    torch.manual_seed(0)
    model = build_model(
        "beta_vae",
        objective=settings["objective"],
        beta=settings["beta"],
        capacity_max=settings["capacity_max"],
        capacity_steps=settings["steps"],
        kl_warmup_steps=settings["steps"],
    )

    def callback(step, row):
        if cancelled():
            raise TrainingCancelled(f"training cancelled at step {step}")
        on_step(step, row)

    log_every = max(1, settings["steps"] // 100)
    result = train(
        model,
        ProceduralDSprites(),
        steps=settings["steps"],
        batch_size=BATCH_SIZE,
        device=device,
        precision=settings.get("precision", "auto"),
        progress=False,
        log_every=log_every,
        callback=callback,
    )
    traversal = traverse(result.model.cpu(), reference_batch()["x"][:256], steps=8)
    where = f"{device} ({settings.get('precision', 'auto')})"
    return traversal_grid(traversal), traversal.activity, result.history, result.wall_time_s, where


@on_gpu
def stream_training(settings: dict, cancelled):
    """``run_training`` in a worker thread, as a generator: ``("row", row)`` for each logged row, then
    ``("done", result)``; a failure (``TrainingCancelled`` included) is raised here."""
    reports = queue.Queue()

    def work():
        try:
            reports.put(("done", run_training(settings, lambda step, row: reports.put(("row", row)), cancelled)))
        except BaseException as e:  # handed to the generator, which raises it in the caller's thread
            reports.put(("error", e))

    threading.Thread(target=work, name="training", daemon=True).start()
    while True:
        kind, value = reports.get()
        if kind == "error":
            raise value
        yield kind, value
        if kind == "done":
            return


def progress_text(row: dict, total: int) -> str:
    capacity = f", C(t) {row['C']:.1f}" if "C" in row else ""
    return f"step {row['step']}/{total}: reconstruction {row['recon']:.1f}, KL {row['kl']:.2f} nats{capacity}"


def curves(history: list, total: int) -> tuple:
    """The two line plots' updates for ``history``. The first row sets the x axis to the whole run, so the
    curves grow into it (and a plot is never sent an empty table: it would draw no lines after it)."""
    if not history:
        return gr.skip(), gr.skip()
    recon, kl = curve_frame(history, RECON_TERMS), curve_frame(history, KL_TERMS)
    if len(history) == 1:
        return gr.LinePlot(recon, x_lim=[0, total]), gr.LinePlot(kl, x_lim=[0, total])
    return recon, kl


def train_model(
    objective, beta, capacity_max, steps, precision="auto", request: gr.Request = None, progress=gr.Progress()
):
    """Check the settings, train, and stream (status, reconstruction curve, KL curve, KL bars, traversal).

    The curves grow as the run goes; a cancelled run keeps what was drawn and says where it stopped.
    """
    settings = check_request(objective, beta, capacity_max, steps, precision)
    session = getattr(request, "session_hash", None) or "local"
    flag = JOBS.start(session)
    total = settings["steps"]
    progress((0, total), desc="starting")
    history, drawn_at = [], 0.0
    try:
        yield "starting…", gr.skip(), gr.skip(), None, None  # the last run's curves stay until this one's first row
        for kind, value in stream_training(settings, flag.is_set):
            if kind == "done":
                break
            history.append(value)
            progress((value["step"], total), desc=f"step {value['step']}/{total}", unit="steps")
            if len(history) == 1 or time.monotonic() - drawn_at >= REDRAW_S:
                drawn_at = time.monotonic()
                yield progress_text(value, total), *curves(history, total), gr.skip(), gr.skip()
    except TrainingCancelled as e:
        yield f"{e}; the curves show the run until then", *curves(history, total), gr.skip(), gr.skip()
        return
    finally:
        flag.set()  # the page closed or the event was cancelled: stop the worker at its next report
        JOBS.finish(session)
    grid, kl_per_latent, history, seconds, device = value
    last = history[-1]
    status = (
        f"{total} steps on {device} in {seconds:.0f} s: loss {last['loss']:.1f}, "
        f"reconstruction {last['recon']:.1f}, KL {last['kl']:.2f} nats"
    )
    yield status, *curves(history, total), kl_bars(kl_per_latent), image_file(grid)


def cancel_training(request: gr.Request = None) -> str:
    session = getattr(request, "session_hash", None) or "local"
    return "cancelling…" if JOBS.cancel(session) else "no run to cancel"


# ---- layout and wiring ----------------------------------------------------------------------------


def build(demo: gr.Blocks, cache) -> None:
    cap = max_steps()
    with gr.Tab(t("train.tab"), id="train"):
        gr.Markdown(t("train.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                objective = gr.Radio(
                    list(OBJECTIVES), value="beta", label=t("train.objective"), info=t("train.objective_info")
                )
                beta = gr.Slider(*BETA_RANGE, value=4.0, step=0.5, label=t("train.beta"), info=t("train.beta_info"))
                capacity_max = gr.Slider(
                    *CAPACITY_RANGE, value=25.0, step=1.0, label=t("train.capacity"), info=t("train.capacity_info")
                )
                steps = gr.Number(
                    value=min(DEFAULT_STEPS, cap),
                    precision=0,
                    minimum=1,
                    maximum=cap,
                    elem_id="train-steps",
                    label=t("train.steps"),
                    info=t("train.steps_info"),
                )
                precision = gr.Radio(
                    list(PRECISIONS), value="auto", label=t("train.precision"), info=t("train.precision_info")
                )
                with gr.Row():
                    start = gr.Button(t("train.start"), variant="primary", elem_id="train-start")
                    cancel = gr.Button(t("train.cancel"), variant="stop", elem_id="train-cancel")
                status = gr.Textbox(label=t("train.status"), interactive=False, elem_id="train-status")
            with gr.Column(scale=2, min_width=400):
                with gr.Row():
                    recon_curve = gr.LinePlot(
                        x="step",
                        y="value",
                        color="term",
                        label=t("train.recon_curve"),
                        x_title="step",
                        y_title="nats",
                        height=240,
                        elem_id="train-recon-curve",
                    )
                    kl_curve = gr.LinePlot(
                        x="step",
                        y="value",
                        color="term",
                        label=t("train.kl_curve"),
                        x_title="step",
                        y_title="nats",
                        height=240,
                        elem_id="train-kl-curve",
                        color_map={"KL": "#1f77b4", "C(t)": "#000000"},
                    )
                kl_bars_plot = gr.BarPlot(
                    x="latent",
                    y="kl",
                    color="state",
                    label=t("train.kl_bars"),
                    x_title="latent",
                    y_title="KL (nats)",
                    height=220,
                    elem_id="train-kl-bars",
                    color_map={ACTIVE: "#1f77b4", OFF: "#a0a0a0"},
                )
                gr.Markdown(t("train.result"))  # as text: an image label would cover the row names
                result = gr.Image(show_label=False, interactive=False, buttons=["download", "fullscreen"], format="png")
        job = start.click(
            user_errors(train_model),
            [objective, beta, capacity_max, steps, precision],
            [status, recon_curve, kl_curve, kl_bars_plot, result],
            preprocess=False,
            concurrency_limit=1,
            concurrency_id="training",
            api_name="train",
            show_progress_on=[result],
        )  # the bar sits where the traversal will come, not on the curves
        cancel.click(cancel_training, None, status, cancels=[job], queue=False, api_name="cancel")
