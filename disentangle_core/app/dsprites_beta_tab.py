"""Tab "Entangled vs disentangled", the dSprites family's second tab: the autoencoder, the VAE and a β-VAE
side by side on one input.

The β dial picks the third model among the shipped β-VAEs. Under each model: its KL per latent, the
mutual information between its latents and the factors, and below all three the scores in their cards.
"""

from __future__ import annotations

import math
from functools import partial

import gradio as gr

from ..data import FACTOR_NAMES
from ..data.dsprites import NUM_IMAGES
from ..families import FAMILIES
from ..plotting import enlarge, kl_bar_chart, mi_heatmap
from .common import ModelCache, image_file
from .dsprites_views import DSpritesViews, dataset_image, dial_step, mi_matrix, random_index, views_of
from .inputs import check_number
from .ui import t, user_errors

AUTOENCODER, VAE = "autoencoder_dsprites", "vae_dsprites"
SCORES = FAMILIES["dsprites"].evaluations["dsprites"].headline  # the scores publish writes into a card

TEXT = {
    "en": {
        "dial.tab": "Entangled vs disentangled (the β dial)",
        "dial.intro": "The same image through three models. The **autoencoder** only has to reconstruct, so "
        "its latents mix the factors: one row of its grid changes several things at once. The "
        "**VAE** (β = 1) adds a KL term pulling the code towards independent N(0, 1) latents. The "
        "**β-VAE** weighs that term β times more: fewer latents stay in use (see the KL bars) and "
        "each tends to carry one factor. Turn the dial to choose β among the shipped models.",
        "dial.index": "Dataset image number",
        "dial.index_info": "The input shared by the three models; press Enter to load it.",
        "dial.random": "Random image",
        "dial.beta": "β dial (log₂ β)",
        "dial.beta_info": "The weight β of the KL term, on a doubling scale: 0 is β = 1 (the VAE), 2 is β = 4, "
        "4 is β = 16. It stops only at the β values of shipped models.",
        "dial.input": "Input",
        "dial.autoencoder": "Autoencoder (entangled baseline)",
        "dial.vae": "VAE (β = 1)",
        "dial.beta_vae": "β-VAE at the dialled β",
        "dial.no_kl": "An autoencoder has no prior, hence no KL per latent: nothing pushes its code to be factorised.",
        "dial.kl": "KL per latent (nats): a latent above the dashed line carries information",
        "dial.mi": "Mutual information between each latent and each factor (nats): one bright cell per "
        "row is a disentangled latent",
        "dial.scores": "Scores from the checkpoint cards (higher is more disentangled; recon_nll and kl in nats)",
        "dial.compare": "Compare",
    },
    "ja": {
        "dial.tab": "もつれ vs もつれの解けた表現（β ダイヤル）",
        "dial.intro": "同じ画像を三つのモデルに通します。**オートエンコーダー**は再構成だけが目的なので、潜在変数が"
        "生成因子を混ぜてしまいます（グリッドの一行で複数のものが同時に変わります）。**VAE**（β = 1）は"
        "符号を独立な N(0, 1) に近づける KL 項を加えます。**β-VAE** はその項を β 倍重くするので、"
        "使われる潜在変数が減り（KL の棒グラフ参照）、それぞれが一つの因子を担いやすくなります。"
        "ダイヤルで同梱モデルの β を選んでください。",
        "dial.index": "データセット画像の番号",
        "dial.index_info": "三つのモデルに共通の入力。Enter で読み込みます。",
        "dial.random": "ランダムな画像",
        "dial.beta": "β ダイヤル（log₂ β）",
        "dial.beta_info": "KL 項の重み β を倍々の目盛りで選びます：0 は β = 1（VAE）、2 は β = 4、4 は β = 16。"
        "同梱モデルのある β でだけ止まります。",
        "dial.input": "入力",
        "dial.autoencoder": "オートエンコーダー（もつれたベースライン）",
        "dial.vae": "VAE（β = 1）",
        "dial.beta_vae": "ダイヤルの β の β-VAE",
        "dial.no_kl": "オートエンコーダーには事前分布がないため、潜在変数ごとの KL もありません。"
        "符号を因子ごとに分ける力は働きません。",
        "dial.kl": "潜在変数ごとの KL（nats）：破線より上の潜在変数が情報を運んでいます",
        "dial.mi": "各潜在変数と各生成因子の相互情報量（nats）。一行に明るいセルが一つなら、もつれの解けた潜在変数です",
        "dial.scores": "チェックポイントのカードにあるスコア（高いほどもつれが解けている。recon_nll と kl は nats）",
        "dial.compare": "比較する",
    },
}


# ---- callbacks ------------------------------------------------------------------------------------


def beta_model(views: DSpritesViews, log2_beta) -> str:
    """The shipped β-VAE at the dial's position: the dial is log₂ β, as β sweeps double (1, 2, 4, ...)."""
    betas = views.betas()
    if not betas:
        raise ValueError("no β-VAE is shipped in assets/, so the β dial has nothing to show")
    shipped = ", ".join(f"{b:g}" for b in betas)
    log2_beta = check_number(log2_beta, "log₂ β", math.log2(min(betas)), math.log2(max(betas)))
    for b, name in betas.items():
        if math.isclose(math.log2(b), log2_beta, abs_tol=1e-6):
            return name
    raise ValueError(f"no shipped model has β = 2^{log2_beta:g} = {2**log2_beta:.3g}; shipped β values: {shipped}")


def compare(views: DSpritesViews, index, log2_beta) -> list:
    """[input, 3 grids, 2 KL charts, the β-VAE's name, 3 MI heatmaps, score table] on one input."""
    x = dataset_image(index)
    names = [AUTOENCODER, VAE, beta_model(views, log2_beta)]
    models = [views.get(name) for name in names]
    grids = [image_file(m.grid(m.encode(x))) for m in models]
    charts = [kl_bar_chart(m.activity) for m in models[1:]]
    heatmaps = [mi_heatmap(mi_matrix(m.model, m.card), FACTOR_NAMES, active=m.active_mask) for m in models]
    beta_name = f"**β = {models[2].card['config']['beta']:g}** · `{names[2]}`"
    return [image_file(enlarge(x)), *grids, *charts, beta_name, *heatmaps, score_table(models)]


def score_table(models) -> dict:
    """The scores in the models' cards (measured when each asset was published): a row per score."""
    keys = [k for k in SCORES if any(k in m.card.get("metrics", {}) for m in models)]
    rows = [[k, *(m.card.get("metrics", {}).get(k, "–") for m in models)] for k in keys]
    return gr.update(value=rows, headers=["", *(m.name for m in models)])


# ---- layout and wiring ----------------------------------------------------------------------------


def build(demo: gr.Blocks, cache: ModelCache) -> None:
    views = views_of(cache)
    bind = lambda fn: user_errors(partial(fn, views))  # noqa: E731
    dial = [math.log2(b) for b in views.betas()] or [0.0]  # log₂ β of the shipped β-VAEs
    with gr.Tab(t("dial.tab"), id="beta_dial") as tab:
        gr.Markdown(t("dial.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=220):
                index = gr.Number(
                    value=1234,
                    precision=0,
                    minimum=0,
                    maximum=NUM_IMAGES - 1,
                    label=t("dial.index"),
                    info=t("dial.index_info"),
                )
                random_button = gr.Button(t("dial.random"), size="sm")
                # a slider needs min < max: with one shipped β-VAE (or none) the range is padded by one step
                beta = gr.Slider(
                    min(dial),
                    max(max(dial), min(dial) + 1),
                    value=2.0 if 2.0 in dial else max(dial),
                    step=dial_step(dial),
                    label=t("dial.beta"),
                    info=t("dial.beta_info"),
                    elem_id="beta-dial",
                )
                source = gr.Image(label=t("dial.input"), interactive=False, height=140, buttons=[], format="png")
            grids, charts, heatmaps = [], [], []
            for column, key in enumerate(("dial.autoencoder", "dial.vae", "dial.beta_vae")):
                with gr.Column(scale=2, min_width=260):
                    gr.Markdown(f"### {t(key)}")
                    if column == 2:
                        beta_name = gr.Markdown()
                    grids.append(
                        gr.Image(
                            interactive=False, show_label=False, buttons=[], format="png", elem_id=f"dial-grid-{column}"
                        )
                    )
                    if column == 0:
                        gr.Markdown(t("dial.no_kl"))
                    else:
                        gr.Markdown(t("dial.kl"))  # as text: a plot's label would cover the figure's top
                        charts.append(gr.Plot(show_label=False, format="png"))
                    gr.Markdown(t("dial.mi"))
                    heatmaps.append(gr.Plot(show_label=False, format="png"))
        gr.Markdown(f"### {t('dial.scores')}")
        table = gr.Dataframe(interactive=False, elem_id="dial-scores")
        outputs = [source, *grids, *charts, beta_name, *heatmaps, table]

        inputs = [index, beta]
        show = dict(fn=bind(compare), inputs=inputs, outputs=outputs, preprocess=False)
        tab.select(**show, api_name="compare")
        index.submit(**show, api_visibility="private")
        beta.release(**show, api_visibility="private")
        random_button.click(random_index, None, index, api_visibility="private").then(**show, api_visibility="private")
