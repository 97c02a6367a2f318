"""Tab "Zero-shot prediction": classify a test image, or an attribute vector, over seen ∪ unseen classes.

Callbacks are plain functions of their inputs; the model's data, final classifier and maps come from
``gzsl_views`` (prepared once per model), never from ``common``.
"""

from __future__ import annotations

import random
from functools import partial

import gradio as gr

from ..plotting import enlarge, latent_maps
from .common import ModelCache, image_file
from .gzsl_views import CALIBRATION_RANGE, GZSLViews, check_attribute_vector
from .inputs import check_choice, check_number
from .ui import t, user_errors

HEADERS = ["#", "class", "seen / unseen", "probability %", "attributes"]
MAP_TITLES = {"z": "CADA-VAE z", "t": "z^t (category-distilling)", "p": "z^p (category-dispersing)"}

TEXT = {
    "en": {
        "gzsl.tab": "Zero-shot prediction",
        "gzsl.intro": "Generalized zero-shot learning: the model was trained on images of the *seen* classes and "
        "only the attribute lists of the *unseen* ones. A test image is classified over all classes. "
        "Pick a test image, or tick attributes to describe a class, and see the five most likely "
        "classes.",
        "gzsl.none": "No zero-shot checkpoint is shipped in this copy; train one with "
        "`python -m disentangle_core train cada_vae_gzsl --out runs/cada` and publish it.",
        "gzsl.model": "Model",
        "gzsl.split": "Test images of",
        "gzsl.index": "Test image number",
        "gzsl.random": "Random test image",
        "gzsl.image": "Test image (re-drawn from its parameters)",
        "gzsl.truth": "True class",
        "gzsl.top": "Top-5 classes over seen ∪ unseen",
        "gzsl.attributes": "Or describe a class by its attributes",
        "gzsl.vector": "Attribute vector (numbers between 0 and 1, comma-separated; the ticks above fill it)",
        "gzsl.classify": "Classify this attribute vector",
        "gzsl.calibration": "Calibrated stacking: subtract this from every seen class's log-probability",
        "gzsl.scores": "U, S, H on the whole test set",
        "gzsl.maps": "Test images in latent space (2-D PCA of one sample of q(z|x) each; dots: seen classes, crosses: "
        "unseen; colour: class)",
    },
    "ja": {
        "gzsl.tab": "ゼロショット予測",
        "gzsl.intro": "一般化ゼロショット学習：モデルは*既知*クラスの画像と、*未知*クラスの属性リストだけで学習して"
        "います。テスト画像は全クラスの中から分類されます。テスト画像を選ぶか、属性にチェックを入れて"
        "クラスを記述し、上位 5 クラスを見てください。",
        "gzsl.none": "この環境にはゼロショット用のチェックポイントがありません。"
        "`python -m disentangle_core train cada_vae_gzsl --out runs/cada` で学習して公開してください。",
        "gzsl.model": "モデル",
        "gzsl.split": "テスト画像の種類",
        "gzsl.index": "テスト画像の番号",
        "gzsl.random": "ランダムなテスト画像",
        "gzsl.image": "テスト画像（パラメーターから描き直したもの）",
        "gzsl.truth": "正解クラス",
        "gzsl.top": "既知 ∪ 未知クラスの上位 5 クラス",
        "gzsl.attributes": "または属性でクラスを記述する",
        "gzsl.vector": "属性ベクトル（0〜1 の数をカンマ区切りで。上のチェックで入力されます）",
        "gzsl.classify": "この属性ベクトルを分類する",
        "gzsl.calibration": "較正スタッキング：既知クラスの対数確率からこの値を引く",
        "gzsl.scores": "テスト集合全体の U、S、H",
        "gzsl.maps": "潜在空間のテスト画像（各画像の q(z|x) から一つ取ったサンプルの 2 次元 PCA。点：既知クラス、×："
        "未知クラス、色：クラス）",
    },
}


# ---- callbacks: plain functions of their inputs -------------------------------------------------


def parse_vector(text) -> list:
    """A comma-separated list of numbers as floats; anything else is one sentence."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the attribute vector is empty; tick some attributes or type numbers separated by commas")
    values = []
    for i, word in enumerate(text.split(",")):
        try:
            values.append(float(word))
        except ValueError:
            raise ValueError(f"attribute {i + 1} of the vector is {word.strip()!r}, not a number") from None
    return values


def from_image(views: GZSLViews, name, split, index, calibration) -> tuple:
    """[image, true class, top-5 rows] of one test image."""
    view = views.get(name)
    split, index = view.check_image(split, index)
    calibration = check_number(calibration, "calibration", *CALIBRATION_RANGE)
    image = view.image(split, index)
    truth = int(view.labels[split][index])
    label = f"{view.data.class_names[truth]} ({split})"
    shown = image_file(enlarge(image[None], 3)) if image is not None else None
    return shown, label, view.top_classes(view.image_scores(split, index), calibration)


def random_image(views: GZSLViews, name, split) -> int:
    view = views.get(name)
    split = check_choice(split, ("seen", "unseen"), "test split")
    return random.randrange(len(view.labels[split]))


def ticks_to_vector(views: GZSLViews, name, ticked) -> str:
    """The checked attribute names as a 0/1 vector, written out for the vector box."""
    view = views.get(name)
    names = view.data.attribute_names
    ticked = [check_choice(a, names, "attribute") for a in (ticked or [])]
    return ", ".join("1" if a in ticked else "0" for a in names)


def from_vector(views: GZSLViews, name, text, calibration) -> list:
    view = views.get(name)
    vector = check_attribute_vector(parse_vector(text), len(view.data.attribute_names))
    if not any(vector):
        raise ValueError("the attribute vector is all zeros; tick at least one attribute")
    calibration = check_number(calibration, "calibration", *CALIBRATION_RANGE)
    return view.top_classes(view.attribute_scores(vector), calibration)


def scores(views: GZSLViews, name, calibration) -> str:
    view = views.get(name)
    r = view.ush(check_number(calibration, "calibration", *CALIBRATION_RANGE))
    return (
        f"**U {r['u']:.1f} · S {r['s']:.1f} · H {r['h']:.1f}** (seen test images sent to unseen classes: "
        f"{r['seen_to_unseen']:.1f}%)"
    )


def on_model(views: GZSLViews, name, calibration) -> tuple:
    """A new model: its maps, its U/S/H, its attribute list."""
    view = views.get(name)
    figure = latent_maps(view.maps, view.data.unseen_classes, MAP_TITLES)
    ticks = gr.update(choices=list(view.data.attribute_names), value=[])
    return figure, scores(views, name, calibration), ticks


# ---- layout and wiring ----------------------------------------------------------------------------


def build(demo: gr.Blocks, cache: ModelCache) -> None:
    views = GZSLViews(cache)
    bind = lambda fn: user_errors(partial(fn, views))  # noqa: E731
    names = views.names()
    with gr.Tab(t("gzsl.tab"), id="gzsl") as tab:
        gr.Markdown(t("gzsl.intro"))
        if not names:
            gr.Markdown(t("gzsl.none"))
            return
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                model = gr.Dropdown(names, value=names[0], label=t("gzsl.model"))
                split = gr.Radio(["seen", "unseen"], value="unseen", label=t("gzsl.split"))
                index = gr.Number(value=0, precision=0, minimum=0, label=t("gzsl.index"), elem_id="gzsl-index")
                random_button = gr.Button(t("gzsl.random"), size="sm")
                image = gr.Image(
                    label=t("gzsl.image"), interactive=False, height=200, buttons=[], format="png", elem_id="gzsl-image"
                )
                truth = gr.Textbox(label=t("gzsl.truth"), interactive=False, elem_id="gzsl-truth")
                calibration = gr.Slider(
                    *CALIBRATION_RANGE, value=0.0, step=0.05, label=t("gzsl.calibration"), elem_id="gzsl-calibration"
                )
                ush = gr.Markdown(elem_id="gzsl-scores")
            with gr.Column(scale=2, min_width=420):
                gr.Markdown(t("gzsl.top"))
                top = gr.Dataframe(headers=HEADERS, interactive=False, wrap=True, elem_id="gzsl-top")
                gr.Markdown(t("gzsl.attributes"))
                ticks = gr.CheckboxGroup([], label=t("gzsl.attributes"), show_label=False, elem_id="gzsl-ticks")
                vector = gr.Textbox(label=t("gzsl.vector"), elem_id="gzsl-vector")
                classify = gr.Button(t("gzsl.classify"), size="sm", elem_id="gzsl-classify")
        gr.Markdown(t("gzsl.maps"))
        maps = gr.Plot(show_label=False, format="png", elem_id="gzsl-maps")

        shown = [image, truth, top]
        image_inputs = [model, split, index, calibration]
        model.change(bind(on_model), [model, calibration], [maps, ush, ticks], preprocess=False, api_name="gzsl_model")
        # prepared when the tab is first opened, not at page load (the other tabs load first)
        tab.select(bind(on_model), [model, calibration], [maps, ush, ticks], preprocess=False, api_visibility="private")
        tab.select(bind(from_image), image_inputs, shown, preprocess=False, api_visibility="private")
        index.submit(bind(from_image), image_inputs, shown, preprocess=False, api_name="gzsl_image")
        split.change(bind(from_image), image_inputs, shown, preprocess=False, api_visibility="private")
        random_button.click(bind(random_image), [model, split], index, preprocess=False, api_visibility="private").then(
            bind(from_image), image_inputs, shown, preprocess=False, api_visibility="private"
        )
        ticks.input(bind(ticks_to_vector), [model, ticks], vector, preprocess=False, api_visibility="private")
        classify.click(
            bind(from_vector), [model, vector, calibration], top, preprocess=False, api_name="gzsl_attributes"
        )
        calibration.release(bind(scores), [model, calibration], ush, preprocess=False, api_name="gzsl_scores")
        calibration.release(bind(from_image), image_inputs, shown, preprocess=False, api_visibility="private")
