"""Tab "Entangled vs disentangled": the autoencoder, the VAE and a β-VAE side by side on one input.

The β dial picks the third model among the shipped β-VAEs. When the metrics module is present, each
model's MI heatmap and a table of disentanglement scores appear under the traversals.
"""

from __future__ import annotations

from functools import partial

import gradio as gr

from ..data.dsprites import NUM_IMAGES
from ..plotting import enlarge, kl_bar_chart
from .common import ModelCache, dataset_image, dial_step, image_file, metric_report, metrics_module, random_index
from .inputs import check_number
from .ui import t, user_errors

AUTOENCODER, VAE = "autoencoder_dsprites", "vae_dsprites"

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
        "dial.beta": "β dial",
        "dial.beta_info": "The weight of the KL term; only β values with a shipped model can be chosen.",
        "dial.input": "Input",
        "dial.autoencoder": "Autoencoder (entangled baseline)",
        "dial.vae": "VAE (β = 1)",
        "dial.beta_vae": "β-VAE at the dialled β",
        "dial.no_kl": "An autoencoder has no prior, hence no KL per latent: nothing pushes its code to be "
                      "factorised.",
        "dial.kl": "KL per latent (nats): a latent above the dashed line carries information",
        "dial.metrics": "Disentanglement scores (higher is more disentangled) and mutual information "
                        "between latents and factors",
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
        "dial.beta": "β ダイヤル",
        "dial.beta_info": "KL 項の重み。同梱モデルのある β だけを選べます。",
        "dial.input": "入力",
        "dial.autoencoder": "オートエンコーダー（もつれたベースライン）",
        "dial.vae": "VAE（β = 1）",
        "dial.beta_vae": "ダイヤルの β の β-VAE",
        "dial.no_kl": "オートエンコーダーには事前分布がないため、潜在変数ごとの KL もありません。"
                      "符号を因子ごとに分ける力は働きません。",
        "dial.kl": "潜在変数ごとの KL（nats）：破線より上の潜在変数が情報を運んでいます",
        "dial.metrics": "もつれの解け具合のスコア（高いほど良い）と、潜在変数と生成因子の相互情報量",
        "dial.compare": "比較する",
    },
}


# ---- callbacks ------------------------------------------------------------------------------------


def beta_model(cache: ModelCache, beta) -> str:
    """The shipped β-VAE with this β."""
    betas = cache.betas()
    if not betas:
        raise ValueError("no β-VAE is shipped in assets/, so the β dial has nothing to show")
    beta = check_number(beta, "β", min(betas), max(betas))
    if beta not in betas:
        raise ValueError(f"no shipped model has β = {beta:g}; shipped β values: {', '.join(f'{b:g}' for b in betas)}")
    return betas[beta]


def compare(cache: ModelCache, index, beta) -> list:
    """[input, 3 grids, 2 KL charts, the β-VAE's name, (metric table, 3 MI heatmaps)] on one input."""
    x = dataset_image(index)
    names = [AUTOENCODER, VAE, beta_model(cache, beta)]
    models = [cache.get(name) for name in names]
    grids = [image_file(m.grid(m.encode(x))) for m in models]
    charts = [kl_bar_chart(m.activity, title=m.name) for m in models[1:]]
    outputs = [image_file(enlarge(x)), *grids, *charts, f"**{names[2]}**"]
    if metrics_module() is not None:
        reports = [metric_report(m) for m in models]
        table = [[m.name, *report[0].values()] for m, report in zip(models, reports)]
        headers = ["model", *reports[0][0].keys()]
        outputs += [gr.update(value=table, headers=headers), *(report[1] for report in reports)]
    return outputs


# ---- layout and wiring ----------------------------------------------------------------------------


def build(demo: gr.Blocks, cache: ModelCache) -> None:
    bind = lambda fn: user_errors(partial(fn, cache))  # noqa: E731
    betas = list(cache.betas()) or [1.0]
    with gr.Tab(t("dial.tab"), id="beta_dial") as tab:
        gr.Markdown(t("dial.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=220):
                index = gr.Number(value=1234, precision=0, minimum=0, maximum=NUM_IMAGES - 1,
                                  label=t("dial.index"), info=t("dial.index_info"))
                random_button = gr.Button(t("dial.random"), size="sm")
                beta = gr.Slider(min(betas), max(betas), value=max(betas), step=dial_step(betas),
                                 label=t("dial.beta"), info=t("dial.beta_info"), elem_id="beta-dial")
                source = gr.Image(label=t("dial.input"), interactive=False, height=140, buttons=[], format="png")
            grids, charts = [], []
            for column, key in enumerate(("dial.autoencoder", "dial.vae", "dial.beta_vae")):
                with gr.Column(scale=2, min_width=260):
                    gr.Markdown(f"### {t(key)}")
                    if column == 2:
                        beta_name = gr.Markdown()
                    grids.append(gr.Image(interactive=False, show_label=False, buttons=[], format="png",
                                           elem_id=f"dial-grid-{column}"))
                    if column == 0:
                        gr.Markdown(t("dial.no_kl"))
                    else:
                        charts.append(gr.Plot(label=t("dial.kl"), format="png"))
        outputs = [source, *grids, *charts, beta_name]
        if metrics_module() is not None:
            gr.Markdown(f"### {t('dial.metrics')}")
            table = gr.Dataframe(interactive=False)
            with gr.Row():
                heatmaps = [gr.Plot(show_label=False, format="png") for _ in range(3)]
            outputs += [table, *heatmaps]

        inputs = [index, beta]
        show = dict(fn=bind(compare), inputs=inputs, outputs=outputs, preprocess=False)
        tab.select(**show, api_name="compare")
        index.submit(**show, api_visibility="private")
        beta.release(**show, api_visibility="private")
        random_button.click(random_index, None, index, api_visibility="private").then(**show, api_visibility="private")
