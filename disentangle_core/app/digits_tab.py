"""Tab "InfoGAN codes": choose a category and move the continuous codes; draw a digit and read its codes.

It serves the digits family: InfoGAN and JointVAE. Callbacks are plain functions of their inputs; each
model's view (its codes, drawings and readings) comes from ``digits_views``.
"""

from __future__ import annotations

from functools import partial

import gradio as gr

from ..plotting import confusion_figure, enlarge
from .common import ModelCache, image_file
from .digits_views import MAX_CODES, MAX_SEED, SPAN, DigitViews, gallery_files, heldout_digit, sketch_to_digit
from .ui import t, user_errors

DEFAULT_MODEL = "infogan_mnist"

TEXT = {
    "en": {
        "infogan.tab": "InfoGAN codes",
        "infogan.intro": "InfoGAN's generator G draws a digit from random noise and a few **codes**: one category "
        "out of 10 and continuous codes. A second network Q must read the codes back from the "
        "drawing, and that alone makes them mean something, with no labels: a category becomes "
        "a kind of digit, a continuous code its slant or stroke width. JointVAE learns the same "
        "kind of codes as a VAE.",
        "infogan.none": "No digits model is shipped in this folder of checkpoints.",
        "infogan.model": "Model",
        "infogan.model_info": "InfoGAN (a GAN with codes) or JointVAE (a VAE with a categorical latent).",
        "infogan.category": "Category (→ the digit it was matched to)",
        "infogan.codes": "Continuous codes, in [−2, 2]. InfoGAN trained on [−1, 1]: beyond it G extrapolates. "
        "The digit redraws while you drag; the figure when you let go.",
        "infogan.seed": "Noise seed",
        "infogan.seed_info": "Draws InfoGAN's 62 noise values (JointVAE: its latents without a slider). A whole number "
        "from 0 to 999999; press Enter to redraw.",
        "infogan.digit": "G's digit",
        "infogan.figure": "The paper's figure: a row per category, each continuous code swept from −2 to 2 in turn",
        "infogan.read_title": "### Read a digit\nDraw a digit (dark on light or light on dark), or click a real "
        "held-out digit below. Q reads its category and continuous codes, and G redraws it from "
        "them (with zero noise).",
        "infogan.sketch": "Draw a digit",
        "infogan.read": "Read my drawing",
        "infogan.gallery": "Or a real held-out digit (never seen in training): click one",
        "infogan.index": "Held-out digit number (0–99; press Enter to read it)",
        "infogan.seen": "What the model sees (28×28, as MNIST)",
        "infogan.reading": "What Q read",
        "infogan.redraw": "G's redraw from the reading",
        "infogan.confusion": "### Confusion matrix on held-out digits",
        "infogan.note": '**Why category 3 need not mean "3".** The model is never told which digit is which: '
        "its 10 categories are unnamed, and it numbers them in whatever order training happens "
        "to find them. After training, the categories are matched to digits one to one "
        "(Hungarian matching on held-out digits, the only place labels are used), and the "
        'category buttons show that match: a button "3 → 4" would read "category 3, matched to digit 4". Rows '
        "are the true digit, columns the digit predicted after matching: the diagonal counts "
        "digits read right; a strong column elsewhere is a category that gathers several digits.",
    },
    "ja": {
        "infogan.tab": "InfoGAN のコード",
        "infogan.intro": "InfoGAN の生成器 G は、ランダムなノイズといくつかの**コード**（10 個のうち一つのカテゴリーと"
        "連続コード）から数字を描きます。もう一つのネットワーク Q が描かれた画像からコードを読み戻す"
        "ことを求められ、それだけでラベルなしにコードが意味を持ちます。カテゴリーは数字の種類に、"
        "連続コードは傾きや線の太さになります。JointVAE は同じ種類のコードを VAE として学びます。",
        "infogan.none": "このチェックポイントのフォルダーには数字のモデルがありません。",
        "infogan.model": "モデル",
        "infogan.model_info": "InfoGAN（コード付きの GAN）または JointVAE（カテゴリー潜在変数を持つ VAE）。",
        "infogan.category": "カテゴリー（→ 対応づけられた数字）",
        "infogan.codes": "連続コード（−2〜2）。InfoGAN は [−1, 1] で学習したので、その外側は G の外挿です。"
        "ドラッグ中は数字が、手を離すと図が更新されます。",
        "infogan.seed": "ノイズのシード",
        "infogan.seed_info": "InfoGAN の 62 個のノイズ（JointVAE ではスライダーのない潜在変数）を決めます。0〜999999 "
        "の整数。Enter で描き直します。",
        "infogan.digit": "G が描いた数字",
        "infogan.figure": "論文の図：カテゴリーごとに一行、各連続コードを順に −2 から 2 まで掃引",
        "infogan.read_title": "### 数字を読む\n数字を描くか（明るい地に暗い線でも、暗い地に明るい線でも可）、下の"
        "学習に使っていない本物の数字をクリックしてください。Q "
        "がカテゴリーと連続コードを読み取り、"
        "G がそれらから（ノイズ 0 で）描き直します。",
        "infogan.sketch": "数字を描く",
        "infogan.read": "描いた数字を読む",
        "infogan.gallery": "または学習に使っていない本物の数字：クリックして選ぶ",
        "infogan.index": "本物の数字の番号（0〜99。Enter で読み取ります）",
        "infogan.seen": "モデルが見る画像（28×28、MNIST 形式）",
        "infogan.reading": "Q が読み取ったもの",
        "infogan.redraw": "読み取りからの G の描き直し",
        "infogan.confusion": "### 学習に使っていない数字での混同行列",
        "infogan.note": "**カテゴリー 3 が「3」とは限らない理由。** モデルはどの数字がどれかを一度も教わりません。"
        "10 個のカテゴリーには名前がなく、学習がたまたま見つけた順に番号が付きます。学習後に、"
        "学習に使っていない数字でカテゴリーと数字を一対一に対応づけ（ハンガリー法。ラベルを使うのは"
        "ここだけです）、カテゴリーのボタンにその対応を示します。たとえば「3 → 4」というボタンなら、"
        "カテゴリー 3 が数字 4 に対応づけられたという意味です。行は本当の数字、列は対応づけ後に予測された数字で、"
        "対角線は正しく読めた数、対角線以外の目立つ列はいくつもの数字を集めてしまったカテゴリーです。",
    },
}


# ---- callbacks: plain functions of their inputs -------------------------------------------------


def on_model(views: DigitViews, name) -> list:
    """A model's controls: [category radio, *slider updates, digit, figure, confusion matrix], and the
    reading of the last model cleared (seen, read, redrawn)."""
    view = views.get(name)
    sliders = [
        gr.update(visible=True, value=0.0, label=view.code_label(view.dims[i]))
        if i < len(view.dims)
        else gr.update(visible=False, value=0.0)
        for i in range(MAX_CODES)
    ]
    code = view.code(0, [0.0] * len(view.dims), 0)
    accuracy = view.card.get("metrics", {}).get("categorical_accuracy")
    confusion = view.card.get("confusion")
    plot = (
        confusion_figure(confusion, f"{name}: accuracy {accuracy:.1%}" if accuracy is not None else name)
        if confusion
        else None
    )
    return [
        gr.update(choices=view.category_choices(), value=0),
        *sliders,
        image_file(view.draw(code)),
        image_file(view.figure(code)),
        plot,
        None,
        "",
        None,
    ]


def preview(views: DigitViews, name, category, seed, *values) -> str:
    """G's digit from the chosen code (runs while a slider moves: one decoder pass)."""
    view = views.get(name)
    return image_file(view.draw(view.code(category, values, seed)))


def refresh(views: DigitViews, name, category, seed, *values) -> tuple:
    """G's digit and the paper's figure around the chosen code."""
    view = views.get(name)
    code = view.code(category, values, seed)
    return image_file(view.draw(code)), image_file(view.figure(code))


def read(views: DigitViews, name, x) -> tuple:
    """[the digit as the model sees it, what it read, G's redraw from the reading]."""
    view = views.get(name)
    reading = view.read(x)
    return image_file(enlarge(x, 8)), view.reading_text(reading), image_file(view.draw(reading["code"]))


def read_sketch(views: DigitViews, name, sketch) -> tuple:
    views.get(name)  # the model name first, before the work on the sketch
    return read(views, name, sketch_to_digit(sketch))


def read_heldout(views: DigitViews, name, index) -> tuple:
    return read(views, name, heldout_digit(index))


def picked(event: gr.SelectData) -> int:
    """The number of the gallery digit clicked."""
    return event.index


# ---- layout and wiring ----------------------------------------------------------------------------


def build(demo: gr.Blocks, cache: ModelCache) -> None:
    views = DigitViews(cache)
    bind = lambda fn: user_errors(partial(fn, views))  # noqa: E731
    names = views.names()
    with gr.Tab(t("infogan.tab"), id="infogan"):
        gr.Markdown(t("infogan.intro"))
        if not names:
            gr.Markdown(t("infogan.none"))
            return
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                model = gr.Dropdown(
                    names,
                    value=DEFAULT_MODEL if DEFAULT_MODEL in names else names[0],
                    label=t("infogan.model"),
                    info=t("infogan.model_info"),
                    elem_id="infogan-model",
                )
                category = gr.Radio(
                    [str(k) for k in range(10)], value=None, label=t("infogan.category"), elem_id="infogan-category"
                )  # each model sets its labels
                gr.Markdown(t("infogan.codes"))
                sliders = [
                    gr.Slider(-SPAN, SPAN, value=0.0, step=0.05, visible=False, elem_id=f"infogan-code-{i}")
                    for i in range(MAX_CODES)
                ]
                seed = gr.Number(
                    value=0,
                    precision=0,
                    minimum=0,
                    maximum=MAX_SEED,
                    label=t("infogan.seed"),
                    info=t("infogan.seed_info"),
                    elem_id="infogan-seed",
                )
            with gr.Column(scale=1, min_width=240):
                digit = gr.Image(
                    label=t("infogan.digit"),
                    interactive=False,
                    height=240,
                    buttons=[],
                    format="png",
                    elem_id="infogan-digit",
                )
            with gr.Column(scale=2, min_width=400):
                gr.Markdown(t("infogan.figure"))  # as text: an image label would cover the row names
                figure = gr.Image(
                    show_label=False,
                    interactive=False,
                    format="png",
                    elem_id="infogan-figure",
                    buttons=["download", "fullscreen"],
                )
        gr.Markdown(t("infogan.read_title"))
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                sketch = gr.Sketchpad(
                    label=t("infogan.sketch"),
                    type="numpy",
                    canvas_size=(280, 280),
                    fixed_canvas=True,
                    layers=False,
                    format="png",
                    elem_id="infogan-sketch",
                    brush=gr.Brush(default_size=22, colors=["#000000"], color_mode="fixed"),
                )
                read_button = gr.Button(t("infogan.read"), variant="primary", elem_id="infogan-read")
            with gr.Column(scale=2, min_width=400):
                gallery = gr.Gallery(
                    label=t("infogan.gallery"),
                    columns=5,
                    height=360,
                    allow_preview=False,
                    object_fit="contain",
                    elem_id="infogan-gallery",
                )
                index = gr.Number(
                    value=None, precision=0, minimum=0, maximum=99, label=t("infogan.index"), elem_id="infogan-index"
                )
            with gr.Column(scale=1, min_width=240):
                seen = gr.Image(
                    label=t("infogan.seen"),
                    interactive=False,
                    height=150,
                    buttons=[],
                    format="png",
                    elem_id="infogan-seen",
                )
                reading = gr.Textbox(label=t("infogan.reading"), interactive=False, elem_id="infogan-reading")
                redraw = gr.Image(
                    label=t("infogan.redraw"),
                    interactive=False,
                    height=150,
                    buttons=[],
                    format="png",
                    elem_id="infogan-redraw",
                )
        with gr.Row():
            with gr.Column(scale=1, min_width=400):
                gr.Markdown(t("infogan.confusion"))  # as text: a plot's label would cover its title
                confusion = gr.Plot(show_label=False, elem_id="infogan-confusion")
            with gr.Column(scale=1, min_width=300):
                gr.Markdown(t("infogan.note"))

        read_outputs = [seen, reading, redraw]
        shown = [category, *sliders, digit, figure, confusion, *read_outputs]
        model.change(bind(on_model), model, shown, preprocess=False, api_name="infogan_model")
        demo.load(bind(on_model), model, shown, preprocess=False, api_visibility="private")
        demo.load(user_errors(gallery_files), None, gallery, api_visibility="private")
        code_inputs = [model, category, seed, *sliders]
        gr.on(
            [category.input, *(slider.input for slider in sliders)],
            bind(preview),
            code_inputs,
            digit,
            trigger_mode="always_last",
            show_progress="minimal",
            preprocess=False,
            api_name="infogan_preview",
        )
        gr.on(
            [seed.submit, *(slider.release for slider in sliders)],
            bind(refresh),
            code_inputs,
            [digit, figure],
            trigger_mode="always_last",
            show_progress="minimal",
            preprocess=False,
            api_name="infogan_refresh",
        )
        read_button.click(bind(read_sketch), [model, sketch], read_outputs, api_name="infogan_read_sketch")
        index.submit(
            bind(read_heldout), [model, index], read_outputs, preprocess=False, api_name="infogan_read_heldout"
        )
        gallery.select(picked, None, index, api_visibility="private").then(  # a click reads, even the same digit again
            bind(read_heldout), [model, index], read_outputs, preprocess=False, api_visibility="private"
        )
