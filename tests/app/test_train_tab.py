"""The training tab's callbacks called as plain functions: request checks, progress, streaming, cancelling."""

from __future__ import annotations

import re

import gradio as gr
import pytest
import torch
from PIL import Image

from app_helpers import app_torch_threads  # noqa: F401  (autouse)
from disentangle_core.activity import is_active
from disentangle_core.app import curves, train_tab
from disentangle_core.app.train_jobs import TrainingCancelled, TrainingJobs


def test_step_budget_over_the_cpu_cap_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert train_tab.check_request("capacity", 1, 10, 2000)["steps"] == 2000
    for bad, words in [
        (2001, "at most 2,000 steps on a CPU"),
        (0, "between 1 and 2000"),
        ("10", "must be a number"),
        (10.5, "whole number"),
    ]:
        with pytest.raises(ValueError, match=words):
            train_tab.check_request("beta", 4, 25, bad)
    with pytest.raises(ValueError, match="unknown objective 'tc'"):
        train_tab.check_request("tc", 4, 25, 10)
    with pytest.raises(ValueError, match="β must be between 0 and 20"):
        train_tab.check_request("beta", -1, 25, 10)


def test_training_reports_progress_and_returns_a_traversal():
    seen = []
    settings = train_tab.check_request("beta", 4, 25, 6)
    grid, kl_per_latent, history, seconds, device = train_tab.run_training(
        settings, lambda step, row: seen.append(step), lambda: False
    )
    assert seen == [1, 2, 3, 4, 5, 6] and isinstance(grid, Image.Image)
    assert set(history[-1]) >= {"loss", "recon", "kl"} and kl_per_latent.shape == (10,)
    assert device == f"cpu ({settings['precision']})"


def no_progress(*args, **kwargs):
    pass


def plotted_rows(update):
    """How many rows a line plot's update draws (None: the plot is left as it is)."""
    if isinstance(update, gr.LinePlot):  # the first row comes with the x axis of the whole run
        return len(update.value["data"])
    return None if isinstance(update, dict) and update == gr.skip() else len(update)


def test_training_streams_growing_curves_then_the_kl_of_each_latent(monkeypatch):
    monkeypatch.setattr(train_tab, "REDRAW_S", 0.0)  # redraw at every logged row
    updates = list(train_tab.train_model("capacity", 1.0, 10.0, 8, progress=no_progress))
    kl_rows = [plotted_rows(update[2]) for update in updates]
    assert kl_rows == [None, 2, 4, 6, 8, 10, 12, 14, 16, 16]  # KL and C(t) at each of 8 steps, then the final draw
    assert updates[1][1].x_lim == updates[1][2].x_lim == [0, 8]
    assert list(updates[-2][1]["term"].unique()) == ["reconstruction"]
    assert set(updates[-1][2]["term"]) == {"KL", "C(t)"} and updates[-1][2]["step"].max() == 8
    bars = updates[-1][3]
    assert list(bars["latent"]) == [f"z{d}" for d in range(10)]
    assert list(bars["state"] == curves.ACTIVE) == is_active(bars["kl"].tolist()).tolist()
    assert updates[-1][0].startswith("8 steps on cpu") and updates[-1][4].endswith(".png")


def test_a_cancelled_run_keeps_its_curves(monkeypatch):
    monkeypatch.setattr(train_tab, "REDRAW_S", 0.0)
    updates = train_tab.train_model("beta", 4.0, 25.0, 500, progress=no_progress)  # logs every 5 steps
    for update in updates:
        if plotted_rows(update[1]) == 3:  # three rows drawn: press cancel
            train_tab.JOBS.cancel("local")
    status, recon, kl, bars, grid = update  # the worker trains on while the page draws: it stops a little later
    stopped = int(re.fullmatch(r"training cancelled at step (\d+); the curves show the run until then", status)[1])
    assert 20 <= stopped < 500 and list(recon["step"]) == list(range(5, stopped, 5)) == list(kl["step"])
    assert bars == grid == gr.skip()  # the KL bars and the traversal are left as they were
    assert train_tab.JOBS.cancel("local") is False  # the run's flag is gone


def test_cancel_stops_training_at_the_next_report():
    settings = train_tab.check_request("capacity", 1, 10, 500)
    seen = []
    with pytest.raises(TrainingCancelled, match="cancelled at step 10"):  # checked at every report (5 steps)
        train_tab.run_training(settings, lambda step, row: seen.append(step), lambda: len(seen) >= 1)
    assert seen == [5]


def test_cancel_flags_belong_to_one_session():
    jobs = TrainingJobs()
    mine, theirs = jobs.start("a"), jobs.start("b")
    assert jobs.cancel("a") and mine.is_set() and not theirs.is_set()
    jobs.finish("a")
    assert not jobs.cancel("a")


def test_training_precision_is_checked_and_resolved():
    assert train_tab.check_request("beta", 4, 25, 10, "fp32")["precision"] == "fp32"
    assert train_tab.check_request("beta", 4, 25, 10)["precision"] in ("fp32", "bf16")  # auto, resolved here
    with pytest.raises(ValueError, match="precision"):
        train_tab.check_request("beta", 4, 25, 10, "fp16")
