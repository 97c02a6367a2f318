"""Tab "Latent traversal": encode an image, then move one latent at a time and watch the decoding.

Callbacks are plain functions of their inputs; each model's latents, ranges and pictures come from
``dsprites_views`` (prepared once per model).
"""

from __future__ import annotations

from functools import partial

import gradio as gr

from ..data.dsprites import NUM_IMAGES
from ..plotting import enlarge
from .common import ModelCache, image_file
from .dsprites_views import DSpritesViews, dataset_image, random_index, views_of
from .inputs import UPLOAD_FORMATS, check_choice, load_binary_image
from .ui import t, user_errors

MAX_SLIDERS = 10  # every shipped model has 10 latents
DEFAULT_MODELS = ("beta_vae_dsprites", "vae_dsprites")  # shown first, the first one shipped

TEXT = {
    "en": {
        "traversal.tab": "Latent traversal",
        "traversal.intro": "Each slider is one latent variable of the model, most informative first. "
        "The image is encoded into latents; move one slider to change just that latent "
        "and the decoder redraws the image. In a disentangled model one slider moves "
        "one thing (position, size, ...). The grid sweeps every latent at once.",
        "traversal.model": "Model",
        "traversal.model_info": "A shipped checkpoint: the autoencoder is entangled, the β-VAEs are not.",
        "traversal.index": "Dataset image number",
        "traversal.index_info": "Any of the 737,280 dSprites images (0 to 737279); press Enter to load it.",
        "traversal.random": "Random image",
        "traversal.upload": "Or upload your own image",
        "traversal.upload_info": "A light shape on a dark background, like dSprites. It is made greyscale, "
        "resized to 64×64 and cut at 50% grey.",
        "traversal.input": "Input (64×64, binary)",
        "traversal.decoded": "Decoded from the edited latents",
        "traversal.sliders": "Latents (ranked by KL; ≈ names the factor a latent matches). The image updates "
        "while you drag; the grid when you let go.",
        "traversal.grid": "Traversal grid: a row per latent, its value swept left to right",
        "traversal.gif": "Make a GIF of the traversal",
        "traversal.gif_file": "The traversal as a GIF (download button at the top right)",
    },
    "ja": {
        "traversal.tab": "潜在変数のトラバーサル",
        "traversal.intro": "各スライダーはモデルの潜在変数の一つで、情報量の多い順に並んでいます。"
        "画像を潜在変数に符号化し、スライダーを一つ動かすとその潜在変数だけが変わり、"
        "デコーダーが画像を描き直します。もつれの解けたモデルでは、一つのスライダーが"
        "一つの要素（位置、大きさなど）だけを動かします。グリッドは全ての潜在変数を一度に掃引します。",
        "traversal.model": "モデル",
        "traversal.model_info": "同梱のチェックポイント。オートエンコーダーはもつれ、β-VAE はもつれが解けています。",
        "traversal.index": "データセット画像の番号",
        "traversal.index_info": "dSprites の 737,280 枚のどれか（0〜737279）。Enter で読み込みます。",
        "traversal.random": "ランダムな画像",
        "traversal.upload": "または自分の画像をアップロード",
        "traversal.upload_info": "dSprites と同じく暗い背景に明るい図形。グレースケールにし、64×64 に縮小し、"
        "50% の灰色で二値化します。",
        "traversal.input": "入力（64×64、二値）",
        "traversal.decoded": "編集した潜在変数からの復号",
        "traversal.sliders": "潜在変数（KL の大きい順。≈ は対応する生成因子）。ドラッグ中は画像が、"
        "手を離すとグリッドが更新されます。",
        "traversal.grid": "トラバーサルのグリッド：潜在変数ごとに一行、値を左から右へ掃引",
        "traversal.gif": "トラバーサルの GIF を作る",
        "traversal.gif_file": "トラバーサルの GIF（右上のボタンでダウンロード）",
    },
}


# ---- callbacks: plain functions of their inputs -------------------------------------------------


def view(views: DSpritesViews, name, x) -> list:
    """Encode ``x`` with model ``name``: [x, code, input image, decoded image, grid, *slider updates]."""
    loaded = views.get(name)
    code = loaded.encode(x)
    active = loaded.active[:MAX_SLIDERS]
    sliders = []
    for i in range(MAX_SLIDERS):
        if i < len(active):
            low, high = loaded.slider_range(active[i], code)
            sliders.append(
                gr.update(
                    visible=True,
                    minimum=round(low, 2),
                    maximum=round(high, 2),
                    step=0.01,
                    value=round(code[active[i]], 2),
                    label=loaded.slider_label(active[i]),
                )
            )
        else:
            sliders.append(gr.update(visible=False))
    return [x, code, image_file(enlarge(x)), image_file(loaded.decode(code)), image_file(loaded.grid(code)), *sliders]


def from_index(views: DSpritesViews, name, index) -> list:
    return view(views, name, dataset_image(index))


def from_upload(views: DSpritesViews, name, path) -> list:
    check_choice(name, views.names(), "model")  # before the work of decoding the upload
    return view(views, name, load_binary_image(path))


def on_model(views: DSpritesViews, name, x, index) -> list:
    """A new model re-encodes the image on show (the dataset image ``index`` before any was chosen)."""
    return view(views, name, dataset_image(index) if x is None else x)


def preview(views: DSpritesViews, name, code, *values):
    """The decoded image of the edited code (runs while a slider moves: one decoder pass)."""
    loaded = views.get(name)
    return image_file(loaded.decode(loaded.edit(code, values)))


def refresh(views: DSpritesViews, name, code, *values) -> tuple:
    """The decoded image and the whole traversal grid around the edited code."""
    loaded = views.get(name)
    edited = loaded.edit(code, values)
    return image_file(loaded.decode(edited)), image_file(loaded.grid(edited))


def make_gif(views: DSpritesViews, name, code, *values) -> str:
    loaded = views.get(name)
    return str(loaded.gif(loaded.edit(code, values)))


# ---- layout and wiring ----------------------------------------------------------------------------


def build(demo: gr.Blocks, cache: ModelCache) -> None:
    views = views_of(cache)
    bind = lambda fn: user_errors(partial(fn, views))  # noqa: E731
    names = views.names()
    with gr.Tab(t("traversal.tab"), id="traversal"):
        gr.Markdown(t("traversal.intro"))
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                model = gr.Dropdown(
                    names,
                    value=next((n for n in DEFAULT_MODELS if n in names), (names or [None])[0]),
                    label=t("traversal.model"),
                    info=t("traversal.model_info"),
                )
                index = gr.Number(
                    value=0,
                    precision=0,
                    minimum=0,
                    maximum=NUM_IMAGES - 1,
                    label=t("traversal.index"),
                    info=t("traversal.index_info"),
                )
                random_button = gr.Button(t("traversal.random"), size="sm")
                upload = gr.File(
                    label=t("traversal.upload"),
                    file_count="single",
                    type="filepath",
                    height=120,
                    file_types=[f".{ext.lower()}" for ext in UPLOAD_FORMATS] + [".jpg", ".tif"],
                )
                gr.Markdown(t("traversal.upload_info"))
                source = gr.Image(label=t("traversal.input"), interactive=False, height=140, buttons=[], format="png")
            with gr.Column(scale=1, min_width=280):
                decoded = gr.Image(
                    label=t("traversal.decoded"),
                    interactive=False,
                    height=256,
                    buttons=[],
                    format="png",
                    elem_id="decoded-image",
                )
                gr.Markdown(t("traversal.sliders"))
                sliders = [
                    gr.Slider(-3, 3, value=0, visible=False, elem_id=f"latent-slider-{i}") for i in range(MAX_SLIDERS)
                ]  # each model sets their ranges and labels
                gif_button = gr.Button(t("traversal.gif"), size="sm")
                gif_file = gr.Image(
                    label=t("traversal.gif_file"),
                    interactive=False,
                    type="filepath",
                    buttons=["download"],
                    height=360,
                    elem_id="traversal-gif",
                )
            with gr.Column(scale=2, min_width=400):
                gr.Markdown(t("traversal.grid"))  # as text: an image label would cover the row names
                grid = gr.Image(
                    show_label=False,
                    interactive=False,
                    elem_id="traversal-grid",
                    format="png",
                    buttons=["download", "fullscreen"],
                )
        image_state, code_state = gr.State(None), gr.State(None)

        shown = [image_state, code_state, source, decoded, grid, *sliders]
        model.change(bind(on_model), [model, image_state, index], shown, preprocess=False, api_name="select_model")
        index.submit(bind(from_index), [model, index], shown, preprocess=False, api_name="from_index")
        random_button.click(random_index, None, index, api_visibility="private").then(
            bind(from_index), [model, index], shown, preprocess=False, api_visibility="private"
        )
        upload.upload(bind(from_upload), [model, upload], shown, api_name="from_upload")
        demo.load(bind(on_model), [model, image_state, index], shown, preprocess=False, api_visibility="private")
        edit_inputs = [model, code_state, *sliders]
        gr.on(
            [slider.input for slider in sliders],
            bind(preview),
            edit_inputs,
            decoded,
            trigger_mode="always_last",
            show_progress="minimal",
            preprocess=False,
            api_name="preview",
        )
        gr.on(
            [slider.release for slider in sliders],
            bind(refresh),
            edit_inputs,
            [decoded, grid],
            trigger_mode="always_last",
            show_progress="minimal",
            preprocess=False,
            api_name="refresh",
        )
        gif_button.click(bind(make_gif), edit_inputs, gif_file, preprocess=False, api_name="make_gif")
