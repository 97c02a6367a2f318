"""Tab "Glasses / beard transfer": put a donor's glasses (or beard) on a face, take them off, scale them, swap them.

A model trained on CelebA photos comes first (the astronaut, shipped donor codes, your photo aligned as
CelebA's), then the drawn-face models. Callbacks are plain functions of their inputs; the model, its gallery
and its pictures come from ``faces_views`` / ``photo_views`` (prepared once per model), the maths from
``content.py``.
"""

from __future__ import annotations

import random
from functools import partial

import gradio as gr

from .common import image_file
from .faces_pick import Pick
from .faces_views import GALLERY_SIZE, FaceViews
from .inputs import UPLOAD_FORMATS, check_number
from .ui import t, user_errors
from .uploads import checked

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
        "content.photo.glasses": "glasses on photos (CelebA)",
        "content.photo.beard": "beard on photos (CelebA)",
        "content.photopaper.glasses": "glasses on photos, the paper's decoder (CelebA)",
        "content.photopaper.beard": "beard on photos, the paper's decoder (CelebA)",
        "content.celeba": "This model was trained on CelebA (Liu et al., ICCV 2015), which is for non-commercial "
        "research only; so is the model. No CelebA picture is shown here.",
        "content.photo_metrics": "Measured by an attribute classifier trained on CelebA's labels, on held-out "
        "identities (photos have no true drawing to compare with): how often it finds the attribute after a "
        "transfer and misses it after a removal; face a kept: PSNR of the transfer against face a, beside face "
        "a's own reconstruction (the most a transfer can keep); leakage: how well a probe tells the domain from "
        "E1's code (0.5: not at all, the goal).",
        "content.photo_faces": "Face a: the astronaut (a public-domain NASA portrait), or your own photo below",
        "content.photo_donors": "Donors: codes E2(b) of held-out CelebA faces wearing the attribute, each drawn by "
        "the model on the astronaut (no CelebA picture is shown): click one to be donor b",
        "content.photo_upload_info": "A photo is aligned as CelebA's faces are (the face and eyes found and put in "
        "place) and shrunk to 64×64 RGB; it must show one face, seen from the front.",
        "content.no_codes": "This model ships no donor codes: upload a photo of someone wearing the attribute "
        "as donor b.",
        "content.webcam_face": "Or take face a with the webcam",
        "content.webcam_donor": "Or take donor b with the webcam",
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
        "content.photo.glasses": "写真の眼鏡（CelebA）",
        "content.photo.beard": "写真のひげ（CelebA）",
        "content.photopaper.glasses": "写真の眼鏡、論文のデコーダー（CelebA）",
        "content.photopaper.beard": "写真のひげ、論文のデコーダー（CelebA）",
        "content.celeba": "このモデルは CelebA（Liu ら、ICCV 2015）で学習しました。CelebA は非商用の研究目的に"
        "限って使えるもので、このモデルも同じです。ここには CelebA の画像は表示しません。",
        "content.photo_metrics": "CelebA のラベルで学習した属性分類器による、学習に使っていない人物での測定"
        "（写真には比べるべき正解の描画がありません）：転写後に分類器が属性を見つけ、除去後に見つけなかった割合、"
        "顔 a の保持：転写結果と顔 a との PSNR（顔 a 自身の再構成の PSNR、つまり転写が保てる上限と並べて）、"
        "漏れ：E1 の符号からドメインを当てるプローブの正解率（0.5 ＝まったく当てられない、が目標）。",
        "content.photo_faces": "顔 a：宇宙飛行士（パブリックドメインの NASA の肖像写真）、または下からあなたの写真",
        "content.photo_donors": "ドナー：属性のある CelebA の顔（学習に使っていない顔）の符号 E2(b)。"
        "それぞれをモデルが宇宙飛行士に描いたもの（CelebA の画像は表示しません）：クリックしてドナー b に選ぶ",
        "content.photo_upload_info": "写真は CelebA の顔と同じ位置合わせ（顔と目を見つけて所定の位置へ）をして"
        "64×64 の RGB に縮小します。正面を向いた顔が一つ写っている必要があります。",
        "content.no_codes": "このモデルにはドナーの符号が付いていません。属性のある人の写真をドナー b として"
        "アップロードしてください。",
        "content.webcam_face": "またはウェブカメラで顔 a を撮る",
        "content.webcam_donor": "またはウェブカメラでドナー b を撮る",
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
    """Everything made from face a and donor b: [a, b, transfer, removal, amount, swap, grid, upload note]; only
    face a where there is no donor yet (a photo model shipped without donor codes, before a photo is uploaded)."""
    view = views.get(attribute)
    face, donor = view.check_face(face), view.check_donor(donor)
    second = view.donor(second, "second donor number") if view.donor_count else None
    amount = check_number(amount, "amount", 0.0, 1.0)
    pictures = [view.picture(face)]
    if donor is not None:
        pictures += [
            view.picture(donor),
            view.transfer(face, donor),
            view.removal(donor),
            view.amount(face, donor, amount),
            view.swap(donor, second) if second is not None else None,
            view.grid(face, donor),
        ]
    pictures += [None] * (7 - len(pictures))
    uploaded = not view.photo and "upload" in (face.source, donor.source)  # a photo given to a drawn-face model
    return [*(image_file(p) if p is not None else None for p in pictures), gr.update(visible=uploaded)]


def layout(view) -> list:
    """What differs between a drawn-face and a photo model: [2 drawn-face texts, 3 photo texts (with CelebA's
    terms), 2 random buttons, the note that no donor code ships]."""
    drawn, photo = gr.update(visible=not view.photo), gr.update(visible=view.photo)
    return [drawn, drawn, photo, photo, photo, drawn, drawn, gr.update(visible=view.photo and not view.donor_count)]


def on_attribute(views: FaceViews, attribute, face, donor, second, amount) -> list:
    """An attribute's model: its galleries, its measurements, face a kept if the model reads it (a drawing or
    a photo), donor b kept if it wears the attribute and the model reads it (else the first gallery donor),
    the swap's second donor, everything made from them, and the texts of the model's kind."""
    view = views.get(attribute)
    face = face if isinstance(face, Pick) and face.photo == view.photo else None
    face = view.check_face(face)
    try:
        donor = view.check_donor(donor) if isinstance(donor, Pick) else view.check_donor(None)
    except ValueError:  # another attribute, kind of picture, or model's code: this model's first donor
        donor = view.check_donor(None)
    second = view.second_default(second)
    kind = "photo_" if view.photo else ""
    faces, donors = view.gallery_files()
    return [
        gr.update(value=faces, label=str(t(f"content.{kind}faces"))),
        gr.update(value=donors, label=str(t(f"content.{kind}donors"))),
        view.metrics_line(),
        face,
        donor,
        *show(views, attribute, face, donor, second, amount),
        gr.update(choices=[(str(i), i) for i in range(view.donor_count)], value=second, visible=view.donor_count > 0),
        *layout(view),
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
    """An uploaded photo as face a (a photo model aligns it as CelebA's faces are; a drawn-face model cuts its
    centre square)."""
    face = views.get(attribute).upload(uploaded_path(file), "face")
    return [face, *show(views, attribute, face, donor, second, amount)]


def upload_donor(views: FaceViews, attribute, face, file, second, amount) -> list:
    donor = views.get(attribute).upload(uploaded_path(file), "donor")
    return [donor, *show(views, attribute, face, donor, second, amount)]


def webcam_face(views: FaceViews, attribute, image, donor, second, amount) -> list:
    """A webcam photo as face a; nothing changes when the photo is cleared (``image`` None)."""
    if image is None:
        return [gr.skip()] * 9
    return upload_face(views, attribute, image, donor, second, amount)


def webcam_donor(views: FaceViews, attribute, face, image, second, amount) -> list:
    if image is None:
        return [gr.skip()] * 9
    return upload_donor(views, attribute, face, image, second, amount)


def amount_view(views: FaceViews, attribute, face, donor, amount) -> str | None:
    """Donor b and face a with ``amount`` of b's attribute (runs while the slider moves: two decoder passes)."""
    view = views.get(attribute)
    face, donor = view.check_face(face), view.check_donor(donor)
    return image_file(view.amount(face, donor, amount)) if donor is not None else None


def swap_view(views: FaceViews, attribute, donor, second) -> str | None:
    view = views.get(attribute)
    donor = view.check_donor(donor)
    return image_file(view.swap(donor, view.donor(second, "second donor number"))) if donor is not None else None


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
                drawn_about = gr.Markdown(t("content.metrics"), elem_id="content-drawn-about")
                photo_about = gr.Markdown(t("content.photo_metrics"), visible=False, elem_id="content-photo-about")
                celeba = gr.Markdown(t("content.celeba"), visible=False, elem_id="content-celeba")
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
                        fit_columns=False,  # one astronaut stays a small picture, not one filling the row
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
                    with gr.Accordion(t(f"content.webcam_{role}"), open=False):
                        webcam = gr.Image(
                            sources=["webcam"],
                            type="filepath",
                            show_label=False,
                            height=240,
                            elem_id=f"content-webcam-{role}",
                        )
                    pickers[role] = gallery, button, checked(upload), checked(webcam)
        drawn_info = gr.Markdown(t("content.upload_info"), elem_id="content-upload-info")
        photo_info = gr.Markdown(t("content.photo_upload_info"), visible=False, elem_id="content-photo-upload-info")
        no_codes = gr.Markdown(t("content.no_codes"), visible=False, elem_id="content-no-codes")
        (
            (faces, random_face_button, face_upload, face_webcam),
            (donors, random_donor_button, donor_upload, donor_webcam),
        ) = pickers.values()
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
        kind = [
            drawn_about,
            drawn_info,
            photo_about,
            photo_info,
            celeba,
            random_face_button,
            random_donor_button,
            no_codes,
        ]
        wire = dict(preprocess=False, trigger_mode="always_last", show_progress="minimal")
        prepared = [faces, donors, metrics, face_state, donor_state, *shown, second, *kind]
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
        for event, fn, component, api_name in (
            (face_upload.upload, upload_face, face_upload, "content_upload_face"),
            (face_webcam.change, webcam_face, face_webcam, "content_webcam_face"),
        ):
            event(
                bind(fn),
                [attribute, component, donor_state, second, amount],
                [face_state, *shown],
                api_name=api_name,
                **wire,
            )
        for event, fn, component, api_name in (
            (donor_upload.upload, upload_donor, donor_upload, "content_upload_donor"),
            (donor_webcam.change, webcam_donor, donor_webcam, "content_webcam_donor"),
        ):
            event(
                bind(fn),
                [attribute, face_state, component, second, amount],
                [donor_state, *shown],
                api_name=api_name,
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
