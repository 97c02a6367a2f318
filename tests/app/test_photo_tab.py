"""The glasses / beard tab for models trained on CelebA photos: the astronaut, shipped donor codes, uploads aligned
as CelebA's faces are, and malformed uploads through the API, on tiny untrained models (no CelebA data needed)."""

from __future__ import annotations

import gradio as gr
import pytest
import torch
from gradio_client import Client, handle_file
from PIL import Image, ImageOps

from app_helpers import app_torch_threads, free_port, tiny_content_asset  # noqa: F401  (autouse)
from disentangle_core.app import faces_tab
from disentangle_core.app.common import ModelCache
from disentangle_core.app.faces_pick import SCALE, Pick
from disentangle_core.app.faces_views import FaceViews
from disentangle_core.app.inputs import load_aligned_face
from disentangle_core.app.photo_views import ASTRONAUT, astronaut, photo_metrics_line
from disentangle_core.app.ui import user_errors
from disentangle_core.app.uploads import upload_problem
from disentangle_core.checkpoints import publish, save_model
from disentangle_core.content import remove, transfer, transfer_code
from disentangle_core.models import build_model
from disentangle_core.plotting import enlarge
from disentangle_core.workflows.donors import donors_path, save_donor_codes

GLASSES, BEARD = "content_ae_mask_celeba_glasses", "content_ae_mask_celeba_beard"
METRICS = {"success_transfer": 0.466, "success_removal": 0.484, "kept_psnr": 31.0, "recon_psnr": 22.0, "leakage": 0.863}
CODES = 5  # donor codes shipped with the tiny glasses model (the beard model ships none)


def tiny_photo_asset(folder, attribute: str, metrics: dict | None = None, codes: int = 0) -> str:
    """An untrained tiny masked model "trained" on CelebA photos, published into ``folder`` with ``codes`` donor
    codes (E2 of random pictures: no CelebA picture is needed)."""
    torch.manual_seed(1)
    model = build_model("masked_content_ae", width=4, code_channels=8, specific_channels=2)
    name = f"content_ae_mask_celeba_{attribute}"
    card = {"preset": name, "steps": 0, "dataset": "celeba", "data_options": {"attribute": attribute}, "split": "val"}
    save_model(folder / f"{name}.trained.safetensors", model, card)
    publish(folder / f"{name}.trained.safetensors", name, assets_dir=folder, card_updates={"metrics": metrics})
    (folder / f"{name}.trained.safetensors").unlink()
    if codes:
        with torch.no_grad():
            specific = model.eval().specific_encoder(
                torch.rand(codes, 3, 64, 64, generator=torch.Generator().manual_seed(2))
            )
        about = {"asset": name, "attribute": attribute, "split": "test", "licence": "test codes"}
        save_donor_codes(donors_path(name, folder), {"codes": specific, "files": ["x.jpg"] * codes, "card": about})
    return name


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photo_assets")
    tiny_content_asset(folder, "glasses", name="content_ae_mask_glasses", model_name="masked_content_ae")
    tiny_photo_asset(folder, "glasses", METRICS, codes=CODES)
    tiny_photo_asset(folder, "beard")  # no donor codes shipped
    return FaceViews(ModelCache(folder))


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """The astronaut, her mirror image recoloured (a second face), and a photo without a face."""
    folder = tmp_path_factory.mktemp("photos")
    image = Image.open(ASTRONAUT).convert("RGB")
    r, g, b = ImageOps.mirror(image).split()
    Image.merge("RGB", (b, g, r)).save(folder / "second.png")
    Image.new("RGB", (200, 200), (180, 190, 200)).save(folder / "blank.png")
    return {"astronaut": str(ASTRONAUT), "second": str(folder / "second.png"), "blank": str(folder / "blank.png")}


def opened(views, choice=GLASSES, face=None, donor=None, second=1, amount=1.0) -> dict:
    """on_attribute's outputs by name."""
    out = faces_tab.on_attribute(views, choice, face, donor, second, amount)
    names = ["faces", "donors", "metrics", "face", "donor", "a", "b", "transfer", "removal", "amount", "swap", "grid"]
    kinds = ["drawn_about", "drawn_info", "photo_about", "photo_info", "celeba", "random_face", "random_donor"]
    return dict(zip([*names, "note", "second", *kinds, "no_codes"], out, strict=True))


def pixels(path) -> bytes:
    return Image.open(path).convert("RGB").tobytes()


def test_photo_models_are_offered_first_then_the_drawn_faces(views):
    assert [c[:2] for c in views.choices()] == [("photo", "glasses"), ("photo", "beard"), ("mask", "glasses")]
    assert views.model_for("glasses") == "content_ae_mask_glasses"  # an attribute still names its drawn model
    for lang in ("en", "ja"):
        text = faces_tab.TEXT[lang]
        assert {"content.photo.glasses", "content.photopaper.beard", "content.celeba"} <= set(text)
    assert "non-commercial research only" in faces_tab.TEXT["en"]["content.celeba"]
    assert "非商用" in faces_tab.TEXT["ja"]["content.celeba"]


def test_a_photo_model_shows_the_astronaut_its_donor_codes_its_metrics_and_celebas_terms(views):
    out = opened(views)
    assert len(out["faces"]["value"]) == 1 and len(out["donors"]["value"]) == CODES
    assert "content.photo_donors" in out["donors"]["label"]
    assert out["metrics"] == (
        f"`{GLASSES}`, CelebA's val identities: success: transfer **47%**, removal **48%** · "
        "face a kept: PSNR **31.0 dB** (its reconstruction: 22.0 dB) · leakage **0.86** (0.5 = none)"
    )
    assert (
        "classifier trained on CelebA's labels, on held-out identities" in faces_tab.TEXT["en"]["content.photo_metrics"]
    )
    visible = {k: out[k]["visible"] for k in ("drawn_about", "photo_about", "celeba", "random_face", "no_codes")}
    assert visible == {
        "drawn_about": False,
        "photo_about": True,
        "celeba": True,
        "random_face": False,
        "no_codes": False,
    }
    assert out["second"]["choices"] == [(str(i), i) for i in range(CODES)] and out["second"]["value"] == 1
    assert out["face"].photo and out["face"].source == "gallery" and torch.equal(out["face"].x, astronaut())
    assert out["note"] == gr.update(visible=False)
    assert pixels(out["transfer"]) != pixels(out["a"])


def test_a_code_donor_carries_its_code_and_its_drawing_on_the_astronaut(views):
    view = views.get(GLASSES)
    donor = view.donor(3)
    assert torch.equal(donor.code, view.codes[3:4]) and donor.code_of == GLASSES and donor.attribute == "glasses"
    assert torch.equal(donor.x, transfer_code(view.model, astronaut(), view.codes[3:4]))
    picked, *shown = faces_tab.pick_donor(views, GLASSES, None, 3, 1, 1.0)
    assert picked.index == 3 and torch.equal(picked.code, donor.code)
    expected = enlarge(transfer_code(view.model, astronaut(), view.codes[3:4]), SCALE)
    assert pixels(shown[2]) == expected.tobytes()  # the transfer with a code is D(E1(a), code)
    assert pixels(shown[3]) == enlarge(remove(view.model, donor.x), SCALE).tobytes()  # removal: of its drawing
    half = faces_tab.amount_view(views, GLASSES, None, donor, 0.5)
    one = faces_tab.amount_view(views, GLASSES, None, donor, 1.0)
    assert pixels(one) != pixels(half)
    assert pixels(shown[4]) == pixels(one)  # the amount at 1: the code's own drawing, and the transfer
    swap = faces_tab.swap_view(views, GLASSES, donor, 0)
    assert Image.open(swap).size[0] > Image.open(swap).size[1] and pixels(swap) != pixels(
        faces_tab.swap_view(views, GLASSES, donor, 4)
    )
    with pytest.raises(ValueError, match="second donor number must be between 0 and 4, got 7"):
        faces_tab.swap_view(views, GLASSES, donor, 7)


def test_uploading_the_astronaut_aligns_her_as_the_gallery_does(views, photos):
    face, *shown = faces_tab.upload_face(views, GLASSES, {"path": photos["astronaut"]}, None, 1, 1.0)
    assert (face.source, face.photo, face.attribute) == ("upload", True, None)
    assert torch.equal(face.x, astronaut()) and torch.equal(face.x, load_aligned_face(photos["astronaut"]))
    assert shown[-1] == gr.update(visible=False)  # a photo model reads photos: no "drawn faces only" note


def test_a_photo_donor_gives_its_e2_code_and_the_outputs_change(views, photos):
    view = views.get(GLASSES)
    face, *first = faces_tab.upload_face(views, GLASSES, photos["astronaut"], None, 1, 1.0)
    donor, *shown = faces_tab.upload_donor(views, GLASSES, face, {"path": photos["second"]}, 1, 1.0)
    assert donor.code is None and donor.photo and torch.equal(donor.x, load_aligned_face(photos["second"]))
    assert pixels(shown[2]) == enlarge(transfer(view.model, face.x, donor.x), SCALE).tobytes()
    assert all(pixels(a) != pixels(b) for a, b in zip(first[1:4], shown[1:4], strict=True))
    assert Image.open(shown[6]).size == Image.open(first[6]).size  # the grid: same faces, 4 donors


def test_a_webcam_photo_is_an_upload_and_clearing_it_changes_nothing(views, photos):
    assert faces_tab.webcam_face(views, GLASSES, None, None, 1, 1.0) == [gr.skip()] * 9
    assert faces_tab.webcam_donor(views, GLASSES, None, None, 1, 1.0) == [gr.skip()] * 9
    donor, *shown = faces_tab.webcam_donor(views, GLASSES, None, {"path": photos["second"]}, 1, 1.0)
    assert donor.source == "upload" and torch.equal(donor.x, load_aligned_face(photos["second"]))


def test_a_faceless_photo_gets_one_sentence(views, photos):
    for call in (
        lambda: faces_tab.upload_face(views, GLASSES, photos["blank"], None, 1, 1.0),
        lambda: faces_tab.upload_donor(views, GLASSES, None, {"path": photos["blank"]}, 1, 1.0),
    ):
        with pytest.raises(gr.Error, match="no face was found; upload a photo of one face") as info:
            user_errors(call)()
        assert "\n" not in str(info.value)


def test_a_model_without_donor_codes_shows_face_a_and_takes_an_uploaded_donor(views, photos):
    out = opened(views, BEARD)
    assert out["donors"]["value"] == [] and out["donor"] is None and out["no_codes"]["visible"]
    assert (
        out["a"] is not None and [out[k] for k in ("b", "transfer", "removal", "amount", "swap", "grid")] == [None] * 6
    )
    assert out["second"]["visible"] is False
    donor, *shown = faces_tab.upload_donor(views, BEARD, out["face"], photos["second"], out["second"]["value"], 1.0)
    assert donor.attribute == "beard" and all(p is not None for p in shown[:4] + shown[6:7]) and shown[5] is None
    assert faces_tab.amount_view(views, BEARD, None, donor, 0.5) is not None
    with pytest.raises(ValueError, match="ships no donor codes; upload a photo of someone wearing beard"):
        faces_tab.pick_donor(views, BEARD, None, 0, None, 1.0)


def test_switching_kind_resets_the_pictures_the_model_cannot_read(views, photos):
    photo = opened(views)
    drawn = opened(views, "content_ae_mask_glasses", photo["face"], photo["donor"])
    assert not drawn["face"].photo and drawn["donor"].code is None and drawn["drawn_about"]["visible"]
    back = opened(views, GLASSES, drawn["face"], drawn["donor"], second=9)
    assert back["face"].photo and back["donor"].code_of == GLASSES and back["second"]["value"] == 1
    uploaded = faces_tab.upload_donor(views, GLASSES, None, photos["second"], 1, 1.0)[0]
    assert opened(views, GLASSES, None, uploaded)["donor"] is uploaded  # a photo donor is kept
    other = Pick(photo["donor"].x, "gallery", 0, "glasses", True, photo["donor"].code, "another_model")
    with pytest.raises(ValueError, match="another model's code"):
        faces_tab.show(views, GLASSES, None, other, 1, 1.0)
    with pytest.raises(ValueError, match="is a drawn face"):
        faces_tab.show(views, GLASSES, drawn["face"], None, 1, 1.0)
    with pytest.raises(ValueError, match="draws no random faces; upload a photo instead"):
        faces_tab.random_face(views, GLASSES, None, 1, 1.0)


def test_photo_metrics_line_without_measurements_says_how_to_measure():
    assert "evaluate x` measures them" in photo_metrics_line({"asset": "x"})


@pytest.mark.parametrize(
    "value, words",
    [
        (5, "got int '5'"),
        ("hello.png", "got str 'hello.png'"),
        ({"url": "x"}, "got a dict without a file path"),
        ({"path": "/no/such/file.png"}, "got a file path that was not uploaded"),
        (None, "got NoneType"),
    ],
)
def test_a_malformed_upload_value_is_named(value, words):
    problem = upload_problem(value)
    assert words in problem and problem.startswith("no image file was uploaded") and "\n" not in problem
    assert upload_problem({"path": "/x.png", "meta": {"_type": "gradio.FileData"}}) is None


# ---- through the API, as any gradio_client user ------------------------------------------------------


@pytest.fixture(scope="module")
def client(views):
    with gr.Blocks() as demo:
        faces_tab.build(demo, views.cache)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, show_error=False)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()


@pytest.mark.parametrize("api_name", ["/content_upload_face", "/content_upload_donor", "/content_webcam_face"])
@pytest.mark.parametrize(
    "value, words",
    [
        (5, "got int '5'"),
        ("face.png", "got str 'face.png'"),
        ({"url": "http://example.com/a.png"}, "got a dict without a file path"),
        ({"path": "/no/such/file.png"}, "got a file path that was not uploaded"),
    ],
)
def test_malformed_uploads_through_the_api_get_one_sentence(client, api_name, value, words):
    with pytest.raises(Exception) as info:
        client.predict(GLASSES, value, 1, 1.0, api_name=api_name)
    message = str(info.value)
    assert words in message and "upstream" not in message and "Traceback" not in message


def test_photos_through_the_api(client, photos):
    face = client.predict(GLASSES, handle_file(photos["astronaut"]), 1, 1.0, api_name="/content_upload_face")
    donor = client.predict(GLASSES, handle_file(photos["second"]), 1, 1.0, api_name="/content_upload_donor")
    assert len(face) == len(donor) == 8 and pixels(face[2]) != pixels(donor[2])
    with pytest.raises(Exception, match="no face was found"):
        client.predict(GLASSES, handle_file(photos["blank"]), 1, 1.0, api_name="/content_upload_face")
