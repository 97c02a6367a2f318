"""The glasses / beard tab's callbacks as plain functions, on tiny untrained content-addition models."""

from __future__ import annotations

import gradio as gr
import pytest
import torch
from PIL import Image

from app_helpers import app_torch_threads, png_header_only, tiny_content_asset  # noqa: F401  (autouse)
from disentangle_core.app import faces_tab
from disentangle_core.app.common import ModelCache
from disentangle_core.app.faces_views import GALLERY_SIZE, SCALE, FaceViews, Pick, metrics_line
from disentangle_core.app.inputs import load_rgb_image
from disentangle_core.app.ui import translations, user_errors
from disentangle_core.checkpoints import publish, save_model
from disentangle_core.models import build_model
from disentangle_core.plotting import PAD

METRICS = {
    "transfer_psnr": 24.31,
    "transfer_ssim": 0.8,
    "identity_psnr": 30.02,
    "removal_psnr": 25.0,
    "success_transfer": 0.914,
    "success_removal": 0.875,
    "leakage": 0.531,
}
SINGLE = 64 * SCALE  # one enlarged 64x64 image (a single image has no frame)


def cell(i: int, scale: int = SCALE) -> tuple:
    """The box of cell ``i`` in a row of enlarged images (framed by ``PAD`` pixels)."""
    x, y = (PAD + i * (64 + PAD)) * scale, PAD * scale
    return x, y, x + 64 * scale, y + 64 * scale


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    folder = tmp_path_factory.mktemp("content_assets")
    tiny_content_asset(folder, "glasses", METRICS)
    tiny_content_asset(folder, "beard")  # a card without measurements
    model_file = folder / "vae.trained.safetensors"  # a dSprites model the tab must not offer
    save_model(model_file, build_model("beta_vae"), {"preset": "vae_dsprites", "dataset": "dsprites"})
    publish(model_file, "vae_dsprites", assets_dir=folder)
    return FaceViews(ModelCache(folder))


def start(views, attribute="glasses", second=1, amount=1.0) -> list:
    """A fresh session opening the tab: [faces, donors, metrics, face, donor, *shown] (the galleries' files, then
    the 7 pictures and the upload note; the swap's donors and the texts of the model's kind left out)."""
    faces, donors, *rest = faces_tab.on_attribute(views, attribute, None, None, second, amount)
    return [faces["value"], donors["value"], *rest[:11]]


def pixels(path, box=None) -> bytes:
    image = Image.open(path).convert("RGB")
    return (image.crop(box) if box else image).tobytes()


def test_the_tab_offers_the_faces_models_by_attribute(views):
    assert views.names() == ["content_ae_beard", "content_ae_glasses"]
    assert views.attributes() == ["glasses", "beard"]
    assert views.model_for("beard") == "content_ae_beard"
    assert views.get("glasses").card["data_options"] == {"attribute": "glasses"}
    translations([faces_tab.TEXT])  # every key in English and Japanese


def test_each_attribute_offers_its_masked_model_first_then_the_papers_then_the_ablation(tmp_path):
    for name, config in (
        ("content_ae_nodisc_glasses", {}),
        ("content_ae_glasses", {}),
        ("content_ae_mask_glasses", {"model_name": "masked_content_ae"}),
        ("content_ae_mask_beard", {"model_name": "masked_content_ae"}),
    ):
        tiny_content_asset(tmp_path, name.rsplit("_", 1)[1], name=name, **config)
    views = FaceViews(ModelCache(tmp_path))
    assert views.choices() == [
        ("mask", "glasses", "content_ae_mask_glasses"),
        ("paper", "glasses", "content_ae_glasses"),
        ("nodisc", "glasses", "content_ae_nodisc_glasses"),
        ("mask", "beard", "content_ae_mask_beard"),
    ]
    assert views.model_for("glasses") == "content_ae_mask_glasses"
    assert views.model_for("content_ae_glasses") == "content_ae_glasses"
    _, _, _, face, donor, transfer, *_ = start(views, "content_ae_glasses")
    assert views.get("content_ae_glasses").model.name == "content_ae"
    assert views.get("glasses").model.name == "masked_content_ae"
    assert (donor.attribute, Image.open(transfer).size) == ("glasses", (SINGLE, SINGLE))


def test_opening_the_tab_shows_galleries_measurements_and_every_picture(views):
    faces, donors, metrics, face, donor, *shown = start(views)
    assert len(faces) == len(donors) == GALLERY_SIZE and faces[3][1] == "3"
    assert all(Image.open(path).size == (128, 128) for path, _ in faces + donors)
    assert metrics.startswith("`content_ae_glasses`: transfer PSNR **24.3 dB**") and "leakage **0.53**" in metrics
    assert "success: transfer **91%**, removal **88%**" in metrics
    assert face.source == donor.source == "gallery" and (face.index, donor.index) == (0, 0)
    *files, note = shown
    sizes = [Image.open(path).size for path in files]
    assert sizes[:4] == [(SINGLE, SINGLE)] * 4  # a, b, transfer, removal: 64x64 drawn 4x
    assert sizes[4] == ((2 * 64 + 3 * PAD) * SCALE, (64 + 2 * PAD) * SCALE)  # amount: two cells
    assert sizes[5] == ((4 * 64 + 5 * PAD) * 3, (64 + 2 * PAD) * 3)  # swap: four cells drawn 3x
    assert sizes[6][0] == sizes[6][1]  # the grid: 4 faces x 4 donors and the inputs along two sides
    assert note == gr.update(visible=False)
    assert pixels(files[0]) != pixels(files[1]) and pixels(files[2]) != pixels(files[3])


def test_a_card_without_measurements_says_how_to_measure(views):
    assert "`python -m disentangle_core evaluate content_ae_beard` measures them" in start(views, "beard")[2]
    assert metrics_line({"asset": "x", "metrics": {"identity_psnr": 30.0}}) == "`x`: identity PSNR **30.0 dB**"


def test_picking_a_face_and_a_donor_redraws_the_transfer(views):
    _, _, _, face, donor, *shown = start(views)
    picked, *after = faces_tab.pick_face(views, "glasses", 4, donor, 1, 1.0)
    assert picked.index == 4 and torch.equal(picked.x, views.get("glasses").faces[4:5])
    assert pixels(after[2]) != pixels(shown[2]) and pixels(after[3]) == pixels(shown[3])  # same donor, same removal
    donor_7, *again = faces_tab.pick_donor(views, "glasses", picked, 7, 1, 1.0)
    assert donor_7.attribute == "glasses" and pixels(again[3]) != pixels(after[3])


def test_amount_zero_is_the_removal_of_the_donor_and_one_the_transfer(views):
    _, _, _, face, donor, *shown = start(views)
    removal, transfer = shown[3], shown[2]
    zero = faces_tab.amount_view(views, "glasses", face, donor, 0.0)
    assert pixels(zero, cell(0)) == pixels(removal)
    one = faces_tab.amount_view(views, "glasses", face, donor, 1)
    assert pixels(one, cell(1)) == pixels(transfer)
    half = faces_tab.amount_view(views, "glasses", face, donor, 0.5)
    assert len({pixels(zero), pixels(half), pixels(one)}) == 3
    assert pixels(start(views, amount=0.0)[9]) == pixels(zero)


def test_the_swap_shows_both_donors_and_both_exchanges(views):
    _, _, _, face, donor, *shown = start(views, second=5)
    swap = faces_tab.swap_view(views, "glasses", donor, 5)
    assert pixels(swap) == pixels(shown[5])
    b, c = (pixels(swap, cell(i, 3)) for i in (0, 1))
    assert b == Image.open(shown[1]).resize((192, 192), Image.NEAREST).tobytes() and b != c  # donor b drawn 3x
    assert pixels(faces_tab.swap_view(views, "glasses", donor, 2)) != pixels(swap)


def test_random_faces_and_donors_are_new_held_out_identities(views):
    _, _, _, face, donor, *_ = start(views)
    new_face, *shown = faces_tab.random_face(views, "glasses", donor, 1, 1.0)
    new_donor, *_ = faces_tab.random_donor(views, "glasses", new_face, 1, 1.0)
    assert (new_face.source, new_face.attribute) == ("random", None) and new_face.x.shape == (1, 3, 64, 64)
    assert (new_donor.source, new_donor.attribute) == ("random", "glasses")
    gallery = views.get("glasses")
    assert not any(torch.equal(new_face.x, gallery.faces[i : i + 1]) for i in range(GALLERY_SIZE))
    assert shown[-1] == gr.update(visible=False)


def test_another_attribute_keeps_face_a_and_gives_a_donor_wearing_it(views):
    _, _, _, _, glasses_donor, *_ = start(views)
    face = views.get("glasses").face(6)
    _, _, _, kept, donor, *_ = faces_tab.on_attribute(views, "beard", face, glasses_donor, 1, 1.0)
    assert kept is face and (donor.attribute, donor.index) == ("beard", 0)
    with pytest.raises(ValueError, match="donor b does not wear beard; pick a donor from the gallery"):
        faces_tab.show(views, "beard", face, glasses_donor, 1, 1.0)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda v: faces_tab.amount_view(v, "glasses", None, None, 1.5), "amount must be between 0 and 1, got 1.5"),
        (lambda v: faces_tab.amount_view(v, "glasses", None, None, -0.05), "amount must be between 0 and 1, got -0.05"),
        (lambda v: faces_tab.amount_view(v, "glasses", None, None, "a lot"), "amount must be a number between 0 and 1"),
        (
            lambda v: faces_tab.amount_view(v, "glasses", None, None, float("nan")),
            "amount must be between 0 and 1, got nan",
        ),
        (lambda v: faces_tab.pick_face(v, "glasses", 2, None, 1, 2.0), "amount must be between 0 and 1, got 2.0"),
        (
            lambda v: faces_tab.on_attribute(v, "hat", None, None, 1, 1.0),
            "unknown attribute 'hat'; choose from: glasses, beard",
        ),
        (
            lambda v: faces_tab.pick_face(v, None, 0, None, 1, 1.0),
            "unknown attribute None; choose from: glasses, beard",
        ),
        (lambda v: faces_tab.pick_face(v, "glasses", 10, None, 1, 1.0), "face number must be between 0 and 9, got 10"),
        (lambda v: faces_tab.pick_face(v, "glasses", -1, None, 1, 1.0), "face number must be between 0 and 9, got -1"),
        (lambda v: faces_tab.pick_face(v, "glasses", 2.5, None, 1, 1.0), "face number must be a whole number"),
        (
            lambda v: faces_tab.pick_donor(v, "glasses", None, "3", 1, 1.0),
            "donor number must be a number between 0 and 9",
        ),
        (lambda v: faces_tab.swap_view(v, "glasses", None, 12), "second donor number must be between 0 and 9, got 12"),
        (lambda v: faces_tab.random_face(v, "glasses", None, None, 1.0), "second donor number must be a number"),
    ],
)
def test_bad_values_get_one_sentence(views, call, words):
    with pytest.raises(ValueError, match=words) as info:
        call(views)
    assert "\n" not in str(info.value)
    with pytest.raises(gr.Error, match=words):  # as the app shows it: a toast, no traceback
        user_errors(call)(views)


# ---- uploads ---------------------------------------------------------------------------------------


def save(image: Image.Image, path, **kwargs) -> str:
    image.save(path, **kwargs)
    return str(path)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: (p.with_suffix(".png").write_text("not an image"), str(p.with_suffix(".png")))[1], "not an image"),
        (lambda p: save(Image.new("CMYK", (64, 64)), p.with_suffix(".jpg")), "CMYK images are not accepted"),
        (lambda p: save(Image.new("I;16", (64, 64)), p.with_suffix(".png")), "16 bits or more per channel"),
        (lambda p: png_header_only(p.with_suffix(".png"), 64, 64, bit_depth=16, colour_type=2), "16 bits"),
        (
            lambda p: save(
                Image.new("RGB", (64, 64)),
                p.with_suffix(".gif"),
                save_all=True,
                append_images=[Image.new("RGB", (64, 64), "white")],
            ),
            "animated images are not accepted",
        ),
        (lambda p: png_header_only(p.with_suffix(".png"), 10_000, 10_000), "the image is too large"),
        (
            lambda p: (p.with_suffix(".png").write_bytes(b"\0" * (20 * 2**20 + 1)), str(p.with_suffix(".png")))[1],
            "the uploaded file is over 20 MB",
        ),
        (lambda p: None, "no image was uploaded"),
    ],
)
def test_odd_uploads_get_one_sentence(views, tmp_path, make, words):
    path = make(tmp_path / "upload")
    for call in (
        lambda: faces_tab.upload_face(views, "glasses", path, None, 1, 1.0),
        lambda: faces_tab.upload_donor(views, "glasses", None, {"path": path}, 1, 1.0),
    ):
        with pytest.raises(ValueError, match=words) as info:
            call()
        assert "\n" not in str(info.value)


def test_a_photo_is_cut_to_its_centre_square_and_gets_the_honest_note(views, tmp_path):
    photo = Image.new("RGB", (300, 200), (0, 0, 255))
    photo.paste((200, 30, 30), (50, 0, 250, 200))  # the centre square is red, the sides blue
    path = save(photo, tmp_path / "photo.jpg", quality=95)
    x = load_rgb_image(path)
    assert x.shape == (1, 3, 64, 64) and x.dtype == torch.float32
    assert abs(x[0, 0].mean().item() - 200 / 255) < 0.02 and x[0, 2].max() < 0.3  # red only: the blue sides are cut
    face, *shown = faces_tab.upload_face(views, "glasses", {"path": path}, None, 1, 1.0)
    assert face.source == "upload" and face.attribute is None and torch.equal(face.x, x)
    assert shown[-1] == gr.update(visible=True)  # the honest sentence is shown
    assert all(Image.open(p).size[0] > 0 for p in shown[:-1])
    donor, *shown = faces_tab.upload_donor(views, "glasses", face, path, 1, 1.0)
    assert donor.attribute == "glasses" and shown[-1] == gr.update(visible=True)
    for lang, words in (("en", "only know drawn faces"), ("ja", "描かれた顔しか知らない")):
        note = faces_tab.TEXT[lang]["content.upload_note"]
        assert words in note and "train content_ae_celeba_glasses --data-dir DIR --out runs/celeba_glasses" in note
    assert faces_tab.pick_face(views, "glasses", 0, donor, 1, 1.0)[-1] == gr.update(visible=True)  # b still a photo


def test_transparency_is_laid_over_white(tmp_path):
    image = Image.new("RGBA", (80, 80), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (30, 30, 50, 50))
    x = load_rgb_image(save(image, tmp_path / "clear.png"))
    assert x[0, :, 2, 2].tolist() == [1.0, 1.0, 1.0] and x[0, :, 32, 32].tolist() == [1.0, 0.0, 0.0]


def test_a_state_that_is_not_a_pick_is_refused(views):
    with pytest.raises(ValueError, match="face a is not a face without the attribute"):
        faces_tab.show(views, "glasses", views.get("glasses").donor(0), None, 1, 1.0)
    assert isinstance(start(views)[3], Pick)


def test_the_tab_is_wired_and_says_how_to_get_a_model_when_none_is_shipped(views, tmp_path):
    with gr.Blocks() as demo:
        faces_tab.build(demo, views.cache)
    api = {fn.api_name for fn in demo.fns.values()}
    assert {
        "content_attribute",
        "content_face",
        "content_donor",
        "content_amount",
        "content_swap",
        "content_upload_face",
        "content_upload_donor",
        "content_random_face",
        "content_webcam_face",
        "content_webcam_donor",
    } <= api
    with gr.Blocks() as empty:
        faces_tab.build(empty, ModelCache(tmp_path))
    texts = [str(block.value) for block in empty.blocks.values() if isinstance(block, gr.Markdown)]
    assert any("content.none" in text for text in texts) and not empty.fns
