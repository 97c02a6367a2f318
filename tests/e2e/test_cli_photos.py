"""``transfer NAME --face A --donor B``: two photos aligned, transferred and drawn as four labelled panels."""

import pytest
import torch
from PIL import Image, ImageOps

from disentangle_core.checkpoints import ASSETS_DIR, available_assets, save_model
from disentangle_core.cli import main
from disentangle_core.data.face_align import align_face
from disentangle_core.models import build_model
from disentangle_core.workflows.donors import load_donor_codes

ASTRONAUT = ASSETS_DIR / "astronaut.png"  # a public-domain photo of one face
SIDE, GAP = 64 * 4, 8  # panels are the 64x64 faces enlarged 4x, with gaps (plotting.labelled_row)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A tiny untrained masked model, the astronaut and her mirror image (a second face), and bad inputs."""
    folder = tmp_path_factory.mktemp("photos")
    torch.manual_seed(0)
    model = build_model("masked_content_ae", width=4, code_channels=8, specific_channels=2)
    card = {"preset": "tiny", "steps": 0, "dataset": "faces", "data_options": {"attribute": "glasses"}}
    save_model(folder / "tiny.safetensors", model, card)
    astronaut = Image.open(ASTRONAUT)
    ImageOps.mirror(astronaut).save(folder / "mirrored.png")
    astronaut.convert("L").save(folder / "grey.jpg")  # another mode and format
    Image.new("RGB", (200, 200), "white").save(folder / "blank.png")
    (folder / "notes.txt").write_text("not a photo\n")
    two = Image.new("RGB", (2 * astronaut.width, astronaut.height))
    two.paste(astronaut, (0, 0))
    two.paste(ImageOps.mirror(astronaut), (astronaut.width, 0))
    two.save(folder / "two.png")
    tiny = Image.new("RGB", (300, 300), (200, 200, 200))
    tiny.paste(astronaut.resize((70, 70)), (100, 100))  # her face box ~32 px wide: found, under the 40 accepted
    tiny.save(folder / "tiny_face.png")
    (folder / "truncated.png").write_bytes(ASTRONAUT.read_bytes()[:2000])
    return folder


def test_two_photos_give_four_labelled_panels(photos, tmp_path, capsys):
    out = tmp_path / "out.png"
    model = str(photos / "tiny.safetensors")
    argv = ["transfer", model, "--face", str(ASTRONAUT), "--donor", str(photos / "mirrored.png")]
    assert main([*argv, "--out", str(out)]) == 0
    assert "b without it" in capsys.readouterr().out
    picture = Image.open(out).convert("RGB")
    assert picture.size == (4 * (SIDE + GAP) + GAP, SIDE + GAP + 2 * GAP + 12)
    panels = [picture.crop((GAP + i * (SIDE + GAP), GAP, GAP + i * (SIDE + GAP) + SIDE, GAP + SIDE)) for i in range(4)]
    shrunk = [panel.resize((64, 64), Image.NEAREST) for panel in panels]  # each pixel was a 4x4 block
    assert shrunk[0].tobytes() == align_face(Image.open(ASTRONAUT)).tobytes()  # panel a: the aligned photo itself
    assert shrunk[1].tobytes() == align_face(Image.open(photos / "mirrored.png")).tobytes()
    assert shrunk[2].tobytes() != shrunk[0].tobytes() and shrunk[3].tobytes() != shrunk[1].tobytes()
    half = tmp_path / "half.png"
    assert main([*argv, "--out", str(half), "--amount", "0.5"]) == 0
    halves = Image.open(half).convert("RGB")
    assert halves.crop((GAP, GAP, GAP + SIDE, GAP + SIDE)).tobytes() == panels[0].tobytes()
    third = (GAP + 2 * (SIDE + GAP), GAP, GAP + 2 * (SIDE + GAP) + SIDE, GAP + SIDE)
    assert halves.crop(third).tobytes() != panels[2].tobytes()  # half the donor's code draws another face
    grey = ["--face", str(photos / "grey.jpg"), "--donor", str(ASTRONAUT), "--out", str(tmp_path / "grey.png")]
    assert main(["transfer", model, *grey]) == 0


@pytest.mark.parametrize(
    "face, donor, extra, message",
    [
        ("blank.png", "mirrored.png", [], "--face {}/blank.png: no face was found"),
        ("mirrored.png", "notes.txt", [], "--donor {}/notes.txt: not an image Pillow can read"),
        ("truncated.png", "mirrored.png", [], "--face {}/truncated.png: not an image Pillow can read"),
        ("two.png", "mirrored.png", [], "--face {}/two.png: 2 faces of similar size were found"),
        ("mirrored.png", "tiny_face.png", [], "--donor {}/tiny_face.png: the face is"),
        ("missing.jpg", "mirrored.png", [], "--face {}/missing.jpg: no such file"),
        ("mirrored.png", None, [], "ships no donor codes (only photo models trained on CelebA do)"),
        (None, "mirrored.png", [], "--donor needs --face too"),
        ("mirrored.png", "mirrored.png", ["--faces", "2"], "--faces choose held-out faces for the grid"),
        ("mirrored.png", "mirrored.png", ["--amount", "2"], "amount must be between 0 and 1, got 2.0"),
    ],
)
def test_a_bad_photo_is_one_sentence_and_exit_2(photos, tmp_path, capsys, face, donor, extra, message):
    argv = ["transfer", str(photos / "tiny.safetensors"), "--out", str(tmp_path / "out.png"), *extra]
    argv += ["--face", str(photos / face)] if face else []
    argv += ["--donor", str(photos / donor)] if donor else []
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message.format(photos) in err and "\n" not in err
    assert not (tmp_path / "out.png").exists()


def test_a_model_of_another_family_is_refused(photos, tmp_path, capsys):
    argv = ["--face", str(ASTRONAUT), "--donor", str(photos / "mirrored.png"), "--out", str(tmp_path / "out.png")]
    assert main(["transfer", "beta_vae_dsprites", *argv]) == 2
    assert "transfer needs a content-addition model" in capsys.readouterr().err


@pytest.mark.skipif(
    "content_ae_mask_celeba_glasses" not in available_assets(), reason="no photo model with donor codes is shipped"
)
def test_a_face_alone_wears_each_shipped_donor_code(tmp_path, capsys):
    out = tmp_path / "codes.png"
    assert main(["transfer", "content_ae_mask_celeba_glasses", "--face", str(ASTRONAUT), "--out", str(out)]) == 0
    codes, _ = load_donor_codes("content_ae_mask_celeba_glasses")
    assert f"each of {len(codes)} donors' glasses" in capsys.readouterr().out
    side, gap = 64 * 3, 8
    assert Image.open(out).width == (len(codes) + 1) * (side + gap) + gap  # face a, then one panel per code
