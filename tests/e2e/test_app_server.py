"""The whole app behind a local Gradio server, driven through ``gradio_client`` like any API user."""

from __future__ import annotations

import os

import pytest
from gradio_client import Client, handle_file
from PIL import Image

import demo_app
from app_helpers import app_torch_threads, free_port, png_header_only, tiny_assets_dir  # noqa: F401  (autouse)
from disentangle_core.app.ui import launch_options


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    demo = demo_app.build_demo(tiny_assets_dir(tmp_path_factory))
    port = free_port()
    demo.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options(demo_app.I18N)
    )
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()


def api_error(client, *args, api_name):
    with pytest.raises(Exception) as info:
        client.predict(*args, api_name=api_name)
    return str(info.value)


def test_the_api_names_every_action(client):
    endpoints = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {
        "/select_model",
        "/from_index",
        "/from_upload",
        "/preview",
        "/refresh",
        "/make_gif",
        "/compare",
        "/train",
        "/cancel",
        "/card",
    } <= endpoints


def test_traversal_session_through_the_api(client):
    outputs = client.predict("beta_vae_dsprites", 42, api_name="/from_index")
    sliders = [u for u in outputs[3:] if u.get("visible")]
    assert sliders and all(os.path.isfile(path) for path in outputs[:3])
    values = [u["value"] for u in sliders] + [0.0] * (10 - len(sliders))
    moved = [sliders[0]["maximum"], *values[1:]]
    before = client.predict("beta_vae_dsprites", *values, api_name="/preview")
    after = client.predict("beta_vae_dsprites", *moved, api_name="/preview")
    assert Image.open(before).tobytes() != Image.open(after).tobytes()
    decoded, grid = client.predict("beta_vae_dsprites", *moved, api_name="/refresh")
    assert Image.open(grid).height > 640
    gif = client.predict("beta_vae_dsprites", *moved, api_name="/make_gif")
    assert Image.open(gif).n_frames > 2
    switched = client.predict("autoencoder_dsprites", 0, api_name="/select_model")  # keeps this session's image
    assert Image.open(switched[0]).tobytes() == Image.open(outputs[0]).tobytes()
    other_image = client.predict("vae_dsprites", 0, api_name="/from_index")[0]
    assert Image.open(switched[0]).tobytes() != Image.open(other_image).tobytes()


def test_upload_through_the_api(client, tmp_path):
    image = Image.new("RGB", (300, 300), "black")
    image.paste((255, 255, 255), (100, 100, 200, 200))
    image.save(tmp_path / "square.png")
    outputs = client.predict("vae_dsprites", handle_file(str(tmp_path / "square.png")), api_name="/from_upload")
    assert Image.open(outputs[0]).size == (256, 256)


@pytest.mark.parametrize(
    "args, api_name, words",
    [
        (("betavae", 1), "/from_index", "unknown model 'betavae'; choose from:"),
        (("beta_vae_dsprites", 10**7), "/from_index", "must be between 0 and 737279"),
        (("beta_vae_dsprites", "ten"), "/from_index", "must be a number"),
        (("beta_vae_dsprites", *["x"] * 10), "/preview", "must be a number"),
        ((1234, 1.0), "/compare", "no shipped model has β = 2^1"),
        ((1234, 3.0), "/compare", "log₂ β must be between 0 and 2"),
        (("beta", 4, 25, 100_000), "/train", "at most 2,000 steps on a CPU"),
        (("beta", "lots", 25, 10), "/train", "β must be a number"),
        (("info", 4, 25, 10), "/train", "unknown objective 'info'"),
    ],
)
def test_bad_values_get_one_sentence_and_the_server_keeps_serving(client, args, api_name, words):
    message = api_error(client, *args, api_name=api_name)
    assert words in message and "Traceback" not in message
    assert client.predict("beta_vae_dsprites", api_name="/card")["data"][0] == ["model", "beta_vae"]


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.write_text("hello") and p, "not an image"),
        (lambda p: Image.new("CMYK", (64, 64)).save(p, "JPEG") or p, "CMYK"),
        (lambda p: Image.new("I;16", (64, 64)).save(p, "PNG") or p, "16 bits"),
        (
            lambda p: (
                Image.new("L", (64, 64)).save(p, "GIF", save_all=True, append_images=[Image.new("L", (64, 64), 99)])
                or p
            ),
            "animated",
        ),
        (lambda p: png_header_only(p, 10_000, 10_000), "too large"),
    ],
)
def test_bad_uploads_get_one_sentence(client, tmp_path, make, words):
    path = make(tmp_path / "upload.png")
    message = api_error(client, "beta_vae_dsprites", handle_file(str(path)), api_name="/from_upload")
    assert words in message


def test_tiny_training_run_through_the_api(client):
    status, recon, kl, bars, grid = client.predict("capacity", 1.0, 10.0, 10, api_name="/train")
    assert status.startswith("10 steps on cpu") and Image.open(grid).width > 64
    assert len(kl["data"]) == 20 and len(bars["data"]) == 10  # KL and C(t) at each of 10 steps; 10 latents


def test_cancel_stops_this_sessions_training(client):
    import time

    job = client.submit("beta", 4.0, 25.0, 2000, api_name="/train")
    deadline = time.time() + 60
    while not job.status().progress_data and time.time() < deadline:  # wait until it is training
        time.sleep(0.2)
    from disentangle_core.app.train_tab import JOBS

    assert list(JOBS._flags) == [client.session_hash]  # the flag belongs to this browser session
    assert client.predict(api_name="/cancel") == "cancelling…"
    status = job.result(timeout=60)[0]  # a cancelled run is not an error: it keeps its curves
    assert status.startswith("training cancelled at step")
    assert client.predict(api_name="/cancel") == "no run to cancel"
