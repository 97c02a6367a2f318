"""Tab "Glasses / beard transfer": put a donor's glasses (or beard) on a face, take them off, scale them, swap them.

Callbacks are plain functions of their inputs; the model, its gallery and its pictures come from
``faces_views`` (prepared once per model), the maths from ``content.py``.
"""

from __future__ import annotations

import random
from functools import partial

import gradio as gr

from .common import image_file
from .faces_views import GALLERY_SIZE, FaceViews, Pick, metrics_line
from .inputs import UPLOAD_FORMATS, check_number
from .ui import t, user_errors

TEXT = {
    "en": {
        "content.tab": "Glasses / beard transfer",
        "content.intro": "Content addition (Press et al., ICLR 2019). Domain A is faces *without* glasses, domain B "
        "faces *with* them: B holds everything A has, plus the glasses. A common encoder E1 codes "
        "both domains, a specific encoder E2 codes only what B adds (a face of A gets a zero "
        "specific code), and one decoder D reads both codes. A discriminator that tries to tell "
        "the domains apart from E1's code pushes the glasses out of it, so they can only travel "
        "through E2: D(E1(a), E2(b)) puts donor b's glasses on face a, and D(E1(b), 0) takes "
        "them off b. The same holds for beards. Each attribute's first model adds a mask, as the "
        "follow-up paper does (Mokady et al., ICLR 2020): a second decoder draws the attribute and "
        "where it goes, and the transfer adds it onto face a's own pixels; the paper's decoder, which "
        "redraws the whole face, comes next. Click a face and a donor below.",
        "content.none": "No glasses or beard checkpoint is shipped in this copy; train one with "
        "`python -m disentangle_core train content_ae_glasses --out runs/content_ae_glasses` and "
        "publish it with `python -m disentangle_core publish runs/content_ae_glasses/model.safetensors "
        "--name content_ae_glasses`.",
        "content.attribute": "Attribute and model",
        "content.mask.glasses": "glasses",
        "content.mask.beard": "beard",
        "content.paper.glasses": "glasses, the paper's decoder (Press et al. 2019)",
        "content.paper.beard": "beard, the paper's decoder (Press et al. 2019)",
        "content.nodisc.glasses": "glasses, the paper's decoder without the discriminator (ablation)",
        "content.nodisc.beard": "beard, the paper's decoder without the discriminator (ablation)",
        "content.metrics": "Measured on held-out pairs: PSNR of the transfer against the true drawing, and "
        "outside the attribute's pixels only (identity kept); how often a classifier sees the "
        "attribute after a transfer and misses it after a removal; leakage: how well a probe "
        "tells the domain from E1's code (0.5: not at all, the goal).",
        "content.faces": "Faces without the attribute (held-out, never seen in training): click one to be face a",
        "content.donors": "Donors wearing it: click one to be donor b",
        "content.random_face": "New random face",
        "content.random_donor": "New random donor",
        "content.upload_face": "Or upload a photo as face a",
        "content.upload_donor": "Or upload a photo as donor b",
        "content.upload_info": "An upload's centre square is cut out and shrunk to 64×64 RGB.",
        "content.face": "Face a",
        "content.donor": "Donor b",
        "content.transfer": "Transfer: a wearing b's attribute",
        "content.removal": "Removal: b without it",
        "content.upload_note": "These models only know drawn faces, so a photo gets the model's honest, likely poor "
        "output; for real photos, train the CelebA recipe: `python -m disentangle_core train "
        "content_ae_celeba_glasses --data-dir DIR --out runs/celeba_glasses` "
        "(or `content_ae_celeba_beard`).",
        "content.amount": "Amount: E2's code scaled from 0 (removed) to 1 (all of it)",
        "content.amount_image": "Donor b, and face a, with this amount of b's attribute",
        "content.second": "Second donor for the swap (number in the donor gallery)",
        "content.swap": "Swap: donor b, donor c, b wearing c's attribute, c wearing b's",
        "content.grid": "Transfer grid: donors across the top, faces down the left; each cell is that face with "
        "that donor's attribute (the paper's figure)",
    },
    "ja": {
        "content.tab": "眼鏡・ひげの転写",
        "content.intro": "コンテンツの付加（Press ら、ICLR 2019）。ドメイン A は眼鏡を*かけていない*顔、ドメイン B は"
        "眼鏡を*かけた*顔で、B は A の持つ情報すべてに眼鏡を加えたものです。共通エンコーダー E1 は"
        "両方のドメインを符号化し、固有エンコーダー E2 は B が加えた分だけを符号化します（A の顔の"
        "固有符号はゼロ）。一つのデコーダー D が両方の符号を読みます。E1 の符号からドメインを"
        "見分けようとする識別器が眼鏡の情報を E1 から追い出すので、眼鏡は E2 を通るしかありません。"
        "D(E1(a), E2(b)) はドナー b の眼鏡を顔 a にかけ、D(E1(b), 0) は b から外します。"
        "ひげも同じです。各属性の最初のモデルは、続編の論文（Mokady ら、ICLR 2020）のように"
        "マスクを加えたものです。二つ目のデコーダーが属性とその位置（マスク）を描き、転写は顔 a "
        "自身の画素の上にそれを重ねます。顔全体を描き直す論文のデコーダーはその次です。"
        "下の顔とドナーをクリックしてください。",
        "content.none": "この環境には眼鏡・ひげのチェックポイントがありません。"
        "`python -m disentangle_core train content_ae_glasses --out runs/content_ae_glasses` で学習し、"
        "`python -m disentangle_core publish runs/content_ae_glasses/model.safetensors "
        "--name content_ae_glasses` で公開してください。",
        "content.attribute": "属性とモデル",
        "content.mask.glasses": "眼鏡",
        "content.mask.beard": "ひげ",
        "content.paper.glasses": "眼鏡、論文のデコーダー（Press ら 2019）",
        "content.paper.beard": "ひげ、論文のデコーダー（Press ら 2019）",
        "content.nodisc.glasses": "眼鏡、識別器なしの論文のデコーダー（アブレーション）",
        "content.nodisc.beard": "ひげ、識別器なしの論文のデコーダー（アブレーション）",
        "content.metrics": "学習に使っていない顔の組で測定：転写結果と正解の描画との PSNR（全体と、属性の画素以外"
        "だけ＝顔が保たれているか）、転写後に分類器が属性を見つけ、除去後に見つけなかった割合、"
        "漏れ：E1 の符号からドメインを当てるプローブの正解率"
        "（0.5 ＝まったく当てられない、が目標）。",
        "content.faces": "属性のない顔（学習に使っていない顔）：クリックして顔 a に選ぶ",
        "content.donors": "属性のあるドナー：クリックしてドナー b に選ぶ",
        "content.random_face": "新しいランダムな顔",
        "content.random_donor": "新しいランダムなドナー",
        "content.upload_face": "または写真をアップロードして顔 a にする",
        "content.upload_donor": "または写真をアップロードしてドナー b にする",
        "content.upload_info": "アップロードした画像は中央の正方形を切り出し、64×64 の RGB に縮小します。",
        "content.face": "顔 a",
        "content.donor": "ドナー b",
        "content.transfer": "転写：b の属性を付けた a",
        "content.removal": "除去：属性を外した b",
        "content.upload_note": "これらのモデルは描かれた顔しか知らないので、写真には正直な（おそらく質の低い）出力を"
        "返します。本物の写真には CelebA のレシピで学習してください："
        "`python -m disentangle_core train content_ae_celeba_glasses --data-dir DIR "
        "--out runs/celeba_glasses`（ひげは `content_ae_celeba_beard`）。",
        "content.amount": "量：E2 の符号を 0（除去）から 1（すべて）まで倍率で変える",
        "content.amount_image": "この量の b の属性を付けたドナー b と顔 a",
        "content.second": "交換に使う二人目のドナー（ドナー一覧の番号）",
        "content.swap": "交換：ドナー b、ドナー c、c の属性を付けた b、b の属性を付けた c",
        "content.grid": "転写グリッド：上にドナー、左に顔。各セルはその顔にそのドナーの属性を付けたもの（論文の図）",
    },
}


# ---- callbacks: plain functions of their inputs -------------------------------------------------


def show(views: FaceViews, attribute, face, donor, second, amount) -> list:
    """Everything made from face a and donor b: [a, b, transfer, removal, amount, swap, grid, upload note]."""
    view = views.get(attribute)
    face, donor = view.check_face(face), view.check_donor(donor)
    second = view.donor(second, "second donor number")
    amount = check_number(amount, "amount", 0.0, 1.0)
    face_image, donor_image = view.inputs(face, donor)
    pictures = [
        face_image,
        donor_image,
        view.transfer(face, donor),
        view.removal(donor),
        view.amount(face, donor, amount),
        view.swap(donor, second),
        view.grid(face, donor),
    ]
    uploaded = "upload" in (face.source, donor.source)
    return [*map(image_file, pictures), gr.update(visible=uploaded)]


def on_attribute(views: FaceViews, attribute, face, donor, second, amount) -> list:
    """An attribute's model: its galleries, its measurements, face a kept, donor b kept if it wears the
    attribute (else the first gallery donor), and everything made from them."""
    view = views.get(attribute)
    face = view.check_face(face)
    if not (isinstance(donor, Pick) and donor.attribute == view.attribute):
        donor = view.donor(0)
    return [
        *view.gallery_files(),
        metrics_line(view.card),
        face,
        donor,
        *show(views, attribute, face, donor, second, amount),
    ]


def pick_face(views: FaceViews, attribute, index, donor, second, amount) -> list:
    face = views.get(attribute).face(index)
    return [face, *show(views, attribute, face, donor, second, amount)]


def pick_donor(views: FaceViews, attribute, face, index, second, amount) -> list:
    donor = views.get(attribute).donor(index)
    return [donor, *show(views, attribute, face, donor, second, amount)]


def random_face(views: FaceViews, attribute, donor, second, amount) -> list:
    face = views.get(attribute).random_face(random.randrange(2**31))
    return [face, *show(views, attribute, face, donor, second, amount)]


def random_donor(views: FaceViews, attribute, face, second, amount) -> list:
    donor = views.get(attribute).random_donor(random.randrange(2**31))
    return [donor, *show(views, attribute, face, donor, second, amount)]


def uploaded_path(value):
    """The server path of an upload (Gradio sends a ``FileData`` dict to an event wired with ``preprocess=False``)."""
    return value.get("path") if isinstance(value, dict) else value


def upload_face(views: FaceViews, attribute, file, donor, second, amount) -> list:
    face = views.get(attribute).upload(uploaded_path(file), "face")
    return [face, *show(views, attribute, face, donor, second, amount)]


def upload_donor(views: FaceViews, attribute, face, file, second, amount) -> list:
    donor = views.get(attribute).upload(uploaded_path(file), "donor")
    return [donor, *show(views, attribute, face, donor, second, amount)]


def amount_view(views: FaceViews, attribute, face, donor, amount) -> str:
    """Donor b and face a with ``amount`` of b's attribute (runs while the slider moves: two decoder passes)."""
    view = views.get(attribute)
    return image_file(view.amount(view.check_face(face), view.check_donor(donor), amount))


def swap_view(views: FaceViews, attribute, donor, second) -> str:
    view = views.get(attribute)
    return image_file(view.swap(view.check_donor(donor), view.donor(second, "second donor number")))


def picked(event: gr.SelectData) -> int:
    """The number of the gallery image clicked."""
    return event.index


# ---- layout and wiring ----------------------------------------------------------------------------


def build(demo: gr.Blocks, cache) -> None:
    views = FaceViews(cache)
    bind = lambda fn: user_errors(partial(fn, views))  # noqa: E731
    with gr.Tab(t("content.tab"), id="content") as tab:
        gr.Markdown(t("content.intro"))
        if not views.names():
            gr.Markdown(t("content.none"))
            return
        file_types = [f".{ext.lower()}" for ext in UPLOAD_FORMATS] + [".jpg", ".tif"]
        with gr.Row():
            with gr.Column(scale=1, min_width=200):
                choices = [
                    (t(f"content.{kind}.{a}") if kind != "other" else name, name) for kind, a, name in views.choices()
                ]
                attribute = gr.Radio(
                    choices, value=choices[0][1], label=t("content.attribute"), elem_id="content-attribute"
                )
            with gr.Column(scale=4, min_width=400):
                metrics = gr.Markdown(elem_id="content-metrics")
                gr.Markdown(t("content.metrics"))
        pickers = {}
        with gr.Row():
            for role in ("face", "donor"):  # face a on the left, donor b on the right, as in the results below
                with gr.Column(scale=1, min_width=420):
                    gallery = gr.Gallery(
                        label=t(f"content.{role}s"),
                        columns=GALLERY_SIZE // 2,
                        height=265,
                        allow_preview=False,
                        object_fit="contain",
                        elem_id=f"content-{role}s",
                    )
                    with gr.Row():
                        button = gr.Button(
                            t(f"content.random_{role}"), size="sm", scale=1, elem_id=f"content-random-{role}"
                        )
                        upload = gr.File(
                            label=t(f"content.upload_{role}"),
                            file_count="single",
                            type="filepath",
                            height=120,
                            scale=2,
                            file_types=file_types,
                            elem_id=f"content-upload-{role}",
                        )
                    pickers[role] = gallery, button, upload
        gr.Markdown(t("content.upload_info"))
        (faces, random_face_button, face_upload), (donors, random_donor_button, donor_upload) = pickers.values()
        with gr.Row():
            images = [
                gr.Image(
                    label=t(f"content.{key}"),
                    interactive=False,
                    height=270,
                    buttons=[],
                    format="png",
                    elem_id=f"content-{key}",
                )
                for key in ("face", "donor", "transfer", "removal")
            ]
        note = gr.Markdown(t("content.upload_note"), visible=False, elem_id="content-upload-note")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                amount = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label=t("content.amount"), elem_id="content-amount")
                amount_image = gr.Image(
                    label=t("content.amount_image"),
                    interactive=False,
                    height=200,
                    buttons=[],
                    format="png",
                    elem_id="content-amount-image",
                )
                second = gr.Radio(
                    [(str(i), i) for i in range(GALLERY_SIZE)],
                    value=1,
                    label=t("content.second"),
                    elem_id="content-second",
                )
                swap_image = gr.Image(
                    label=t("content.swap"),
                    interactive=False,
                    height=200,
                    buttons=[],
                    format="png",
                    elem_id="content-swap",
                )
            with gr.Column(scale=1, min_width=400):
                gr.Markdown(t("content.grid"))  # as text: an image label would cover the donors' row
                grid = gr.Image(
                    show_label=False,
                    interactive=False,
                    format="png",
                    elem_id="content-grid",
                    buttons=["download", "fullscreen"],
                )
        face_state, donor_state = gr.State(None), gr.State(None)
        face_index = gr.Number(value=None, precision=0, visible=False)  # the gallery image clicked
        donor_index = gr.Number(value=None, precision=0, visible=False)

        shown = [*images, amount_image, swap_image, grid, note]
        wire = dict(preprocess=False, trigger_mode="always_last", show_progress="minimal")
        prepared = [faces, donors, metrics, face_state, donor_state, *shown]
        attribute_inputs = [attribute, face_state, donor_state, second, amount]
        attribute.change(bind(on_attribute), attribute_inputs, prepared, api_name="content_attribute", **wire)
        # prepared when the tab is first opened, not at page load (the other tabs load first)
        tab.select(bind(on_attribute), attribute_inputs, prepared, api_visibility="private", **wire)
        # a click shows the picture, even the same face again
        faces.select(picked, None, face_index, api_visibility="private").then(
            bind(pick_face),
            [attribute, face_index, donor_state, second, amount],
            [face_state, *shown],
            api_name="content_face",
            **wire,
        )
        donors.select(picked, None, donor_index, api_visibility="private").then(
            bind(pick_donor),
            [attribute, face_state, donor_index, second, amount],
            [donor_state, *shown],
            api_name="content_donor",
            **wire,
        )
        random_face_button.click(
            bind(random_face),
            [attribute, donor_state, second, amount],
            [face_state, *shown],
            api_name="content_random_face",
            **wire,
        )
        random_donor_button.click(
            bind(random_donor),
            [attribute, face_state, second, amount],
            [donor_state, *shown],
            api_name="content_random_donor",
            **wire,
        )
        face_upload.upload(
            bind(upload_face),
            [attribute, face_upload, donor_state, second, amount],
            [face_state, *shown],
            api_name="content_upload_face",
            **wire,
        )
        donor_upload.upload(
            bind(upload_donor),
            [attribute, face_state, donor_upload, second, amount],
            [donor_state, *shown],
            api_name="content_upload_donor",
            **wire,
        )
        amount.change(
            bind(amount_view),
            [attribute, face_state, donor_state, amount],
            amount_image,
            api_name="content_amount",
            **wire,
        )
        second.change(bind(swap_view), [attribute, donor_state, second], swap_image, api_name="content_swap", **wire)
