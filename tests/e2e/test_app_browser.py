"""End to end in headless Chromium: Japanese page, a slider that redraws, a training run, no requests out,
the English page for an English browser, the "InfoGAN codes" tab (a code slider, a held-out digit read) and
the "Glasses / beard transfer" tab (a face, a donor and the amount chosen).

Screenshots of every tab go to ``test-artifacts/``, and one of the first tab over the shipped models (an
English page) to ``test-artifacts/app.png``; with ``DISENTANGLE_README_PICTURE=1`` it also replaces
``docs/images/app.png``, the README's picture (so a plain test run leaves the checkout as it was).
Skipped when Playwright or ``/usr/bin/chromium`` is missing (Playwright cannot download its own browser here).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app_helpers import app_torch_threads, free_port, tiny_assets_dir, tiny_gzsl_asset  # noqa: F401  (autouse)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
README_PICTURE = Path(__file__).resolve().parents[2] / "docs" / "images" / "app.png"
WRITE_README_PICTURE = os.environ.get("DISENTANGLE_README_PICTURE") == "1"
README_MODEL = "beta_vae_dsprites"  # the first tab's default model, shipped
README_IMAGE = 696_848  # a large heart in the middle: shape 2, scale 5, orientation 0, posX 16, posY 16
DIGITS_MODEL = "infogan_mnist"  # the shipped one: the tiny assets are all dSprites models
# shipped too (a tiny untrained one draws only noise); the tab shows the first, then switches to the second
FACES_MODELS = ("content_ae_mask_glasses", "content_ae_glasses", "content_ae_mask_beard", "content_ae_beard")
# trained on CelebA photos (those present, with their donor codes); the tab offers them first
PHOTO_MODELS = ("content_ae_mask_celeba_glasses", "content_ae_mask_celeba_beard", "content_ae_celeba_glasses")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")]
sync_api = pytest.importorskip("playwright.sync_api")


def with_shipped_models(tiny, tmp_path_factory) -> Path:
    """A copy of the tiny assets plus the shipped InfoGAN and glasses / beard models (those present), for the
    "InfoGAN codes" and "Glasses / beard transfer" tabs."""
    from disentangle_core.checkpoints import ASSETS_DIR, read_manifest

    folder = tmp_path_factory.mktemp("browser_assets")
    shutil.copytree(tiny, folder, dirs_exist_ok=True)
    shipped = read_manifest(ASSETS_DIR)
    for name in (DIGITS_MODEL, *FACES_MODELS, *PHOTO_MODELS):
        if name in shipped:
            shutil.copy(ASSETS_DIR / shipped[name]["file"], folder)
            if (ASSETS_DIR / f"{name}_donors.npz").is_file():
                shutil.copy(ASSETS_DIR / f"{name}_donors.npz", folder)
            manifest = {**read_manifest(folder), name: shipped[name]}
            (folder / "manifest.json").write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    return folder


def open_tab(page, name: str, timeout: float = 30_000) -> None:
    """Click the tab called ``name``; one that does not fit in the tab bar (Gradio moves it into the
    "More tabs" menu, as it does for "About" on a Japanese page) is clicked from that menu."""
    page.get_by_role("tab").first.wait_for(timeout=timeout)
    tab = page.get_by_role("tab", name=name, exact=True)
    if tab.count():
        tab.click(timeout=timeout)
        return
    page.get_by_role("button", name="More tabs").click(timeout=timeout)
    page.locator(".overflow-dropdown button", has_text=name).click(timeout=timeout)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import demo_app
    from disentangle_core.app.ui import launch_options

    with pytest.MonkeyPatch.context() as monkeypatch:  # the zero-shot benchmark's cache, while the server runs
        assets = with_shipped_models(tiny_assets_dir(tmp_path_factory), tmp_path_factory)  # + infogan, content_ae
        tiny_gzsl_asset(assets, tmp_path_factory.mktemp("gzsl_cache"), monkeypatch)  # + a tiny zero-shot model
        demo = demo_app.build_demo(assets)
        port = free_port()
        demo.launch(
            server_name="127.0.0.1",
            server_port=port,
            prevent_thread_lock=True,
            quiet=True,
            **launch_options(demo_app.I18N),
        )
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            demo.close()


def test_japanese_page_slider_and_training(server):
    ARTIFACTS.mkdir(exist_ok=True)
    outside = []

    def only_localhost(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.route("**/*", only_localhost)
            page.goto(server, wait_until="domcontentloaded")

            # The page follows the browser's language: Japanese labels, not the keys or English.
            page.get_by_role("tab", name="潜在変数のトラバーサル").wait_for(timeout=30_000)
            page.get_by_role("button", name="ランダムな画像").first.wait_for(timeout=30_000)
            assert page.get_by_text("Random image").count() == 0

            # Move the first latent's slider to its end: the decoded image is redrawn.
            decoded = page.locator("#decoded-image img")
            decoded.wait_for(timeout=30_000)
            slider = page.locator("#latent-slider-0 input[type=range]")
            slider.wait_for(timeout=30_000)
            before = decoded.get_attribute("src")
            slider.focus()
            page.keyboard.press("End")
            page.wait_for_function(
                "([sel, old]) => document.querySelector(sel)?.getAttribute('src') !== old",
                arg=["#decoded-image img", before],
                timeout=20_000,
            )
            page.get_by_role("button", name="トラバーサルの GIF を作る").click()
            page.locator("#traversal-gif img").wait_for(timeout=30_000)  # the animation is shown
            page.wait_for_timeout(500)
            page.screenshot(path=ARTIFACTS / "tab_traversal.png", full_page=True)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated

            open_tab(page, "もつれ vs もつれの解けた表現（β ダイヤル）")
            page.locator("#beta-dial").wait_for()
            page.locator("#dial-grid-2 img").wait_for(timeout=30_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=ARTIFACTS / "tab_beta_dial.png", full_page=True)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated

            # A training run: the loss curves grow while it goes on, the KL bars come at the end.
            open_tab(page, "自分で学習する")
            steps = page.locator("#train-steps input")
            steps.fill("80")  # long enough to be seen growing on a busy machine too
            steps.press("Enter")
            page.locator("#train-start").click()
            status = page.locator("#train-status textarea")
            curve = page.locator("#train-kl-curve")
            vertices = (
                "() => [...document.querySelectorAll('#train-kl-curve g.mark-line path')]"
                ".reduce((n, p) => n + (p.getAttribute('d') || '').split(/[ML]/).length - 1, 0)"
            )
            shots = []  # (points of the drawn KL line, picture of the KL curve) while the run goes on
            while not status.input_value().startswith("80 steps") and len(shots) < 40:
                if re.match(r"step \d+/80", status.input_value()):
                    points = page.evaluate(vertices)
                    if points and (not shots or points > shots[-1][0]):
                        shots.append((points, curve.screenshot()))
                page.wait_for_timeout(100)
            page.wait_for_function(
                "sel => (document.querySelector(sel)?.value || '').startsWith('80 steps')",
                arg="#train-status textarea",
                timeout=60_000,
            )
            assert len(shots) >= 2, f"the KL line was seen growing {len(shots)} times during the run: {shots[:1]}"
            assert shots[0][1] != shots[-1][1], "the picture of the KL curve did not change while the run went on"
            assert page.evaluate(vertices) == 80  # the finished run: one point per step
            print("KL line points seen during the run:", [points for points, _ in shots])
            (ARTIFACTS / "train_curve_early.png").write_bytes(shots[0][1])
            page.locator("#train-kl-bars canvas, #train-kl-bars svg").first.wait_for(timeout=20_000)
            page.wait_for_timeout(800)
            page.screenshot(path=ARTIFACTS / "tab_train.png", full_page=True)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated
            assert "80 steps on cpu" in status.input_value()

            open_tab(page, "このアプリについて")
            page.get_by_role("heading", name="同梱のチェックポイント").wait_for()
            page.wait_for_timeout(500)
            page.screenshot(path=ARTIFACTS / "tab_about.png", full_page=True)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated

            # The same page in an English browser.
            english = browser.new_context(locale="en-US").new_page()
            english.route("**/*", only_localhost)
            english.goto(server, wait_until="domcontentloaded")
            english.get_by_role("tab", name="Latent traversal").wait_for(timeout=30_000)
            english.get_by_role("button", name="Random image").first.wait_for(timeout=30_000)
            assert english.get_by_text("ランダムな画像").count() == 0
        finally:
            browser.close()
    assert outside == [], f"the page tried to reach the network: {outside}"


def test_infogan_tab_redraws_the_digit(server):
    from disentangle_core.checkpoints import ASSETS_DIR, available_assets

    if DIGITS_MODEL not in available_assets(ASSETS_DIR):
        pytest.skip(f"{DIGITS_MODEL} is not in assets/")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(server, wait_until="domcontentloaded")
            open_tab(page, "InfoGAN codes")
            digit = page.locator("#infogan-digit img")
            digit.wait_for(timeout=30_000)
            page.locator("#infogan-figure img").wait_for(timeout=30_000)
            page.get_by_text("3 → ").first.wait_for(timeout=10_000)  # categories named by their matched digit

            # Drag the second code's slider to its end: G's digit is redrawn.
            before = digit.get_attribute("src")
            page.locator("#infogan-code-1 input[type=range]").focus()
            page.keyboard.press("End")
            page.wait_for_function(
                "([sel, old]) => document.querySelector(sel)?.getAttribute('src') !== old",
                arg=["#infogan-digit img", before],
                timeout=20_000,
            )

            # Click a held-out digit: what the model sees and what Q read are shown.
            page.locator("#infogan-gallery img").nth(33).click(timeout=30_000)
            page.locator("#infogan-redraw img").wait_for(timeout=30_000)
            page.wait_for_function(
                "sel => (document.querySelector(sel)?.value || '').startsWith('category ')",
                arg="#infogan-reading textarea",
                timeout=20_000,
            )
            page.wait_for_timeout(500)
            page.screenshot(path=ARTIFACTS / "tab_infogan.png", full_page=True)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated
        finally:
            browser.close()


def test_zero_shot_tab_shows_a_top_5_and_answers_a_bad_vector_in_one_sentence(server):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(server, wait_until="domcontentloaded")
            open_tab(page, "ゼロショット予測")
            page.locator("#gzsl-top").get_by_text("unseen").first.wait_for(timeout=60_000)
            page.locator("#gzsl-maps img").first.wait_for(timeout=60_000)  # the 2-D latent maps, as a PNG
            page.locator("#gzsl-vector textarea").fill("1, 0, x")
            page.locator("#gzsl-classify").click()
            page.get_by_text("attribute 3 of the vector is 'x', not a number").wait_for(timeout=30_000)
            page.wait_for_timeout(500)
            page.screenshot(path=ARTIFACTS / "tab_gzsl.png", full_page=True)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated
        finally:
            browser.close()


def test_content_tab_puts_a_donors_glasses_on_a_face(server):
    from disentangle_core.checkpoints import ASSETS_DIR, available_assets

    if FACES_MODELS[0] not in available_assets(ASSETS_DIR):
        pytest.skip(f"{FACES_MODELS[0]} is not in assets/")
    ARTIFACTS.mkdir(exist_ok=True)
    changed = "([sel, old]) => document.querySelector(sel)?.getAttribute('src') !== old"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(server, wait_until="domcontentloaded")
            open_tab(page, "Glasses / beard transfer")
            transfer = page.locator("#content-transfer img")
            transfer.wait_for(timeout=60_000)  # the first face wearing the first donor's glasses
            if PHOTO_MODELS[0] in available_assets(ASSETS_DIR):  # offered first: the drawn faces are one click away
                before = transfer.get_attribute("src")
                drawn = page.locator("#content-attribute label").filter(has_text=re.compile(r"^\s*glasses\s*$"))
                drawn.click(timeout=30_000)
                page.wait_for_function(changed, arg=["#content-transfer img", before], timeout=30_000)
            page.locator("#content-faces img").nth(9).wait_for(timeout=30_000)

            # Click a face, then a donor: the transfer is redrawn each time.
            for gallery, number in (("#content-faces", 3), ("#content-donors", 5)):
                before = transfer.get_attribute("src")
                page.locator(f"{gallery} img").nth(number).click(timeout=30_000)
                page.wait_for_function(changed, arg=["#content-transfer img", before], timeout=30_000)

            # Move the amount to 0: the donor and the face are redrawn without the glasses.
            before = page.locator("#content-amount-image img").get_attribute("src")
            page.locator("#content-amount input[type=range]").focus()
            page.keyboard.press("Home")
            page.wait_for_function(changed, arg=["#content-amount-image img", before], timeout=20_000)
            page.locator("#content-grid img").wait_for(timeout=30_000)
            assert page.locator("#content-upload-note").is_hidden()  # no photo: no note
            page.wait_for_timeout(500)
            page.screenshot(path=ARTIFACTS / "tab_content.png", full_page=True)

            # The paper's decoder for the same face and donor: the transfer is redrawn.
            before = transfer.get_attribute("src")
            page.locator("#content-attribute label", has_text="the paper's decoder").first.click(timeout=30_000)
            page.wait_for_function(changed, arg=["#content-transfer img", before], timeout=30_000)

            # Beards, with the masked model: the transfer is redrawn.
            if "content_ae_mask_beard" in available_assets(ASSETS_DIR):
                before = transfer.get_attribute("src")
                beard = page.locator("#content-attribute label").filter(has_text=re.compile(r"^\s*beard\s*$"))
                beard.click(timeout=30_000)
                page.wait_for_function(changed, arg=["#content-transfer img", before], timeout=30_000)
                page.locator("#content-grid img").wait_for(timeout=30_000)
                page.wait_for_timeout(500)
                page.screenshot(path=ARTIFACTS / "tab_content_beard.png", full_page=True)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated
        finally:
            browser.close()


def test_content_tab_on_photos_takes_the_astronaut_and_a_second_face(server, tmp_path):
    """The CelebA glasses model, offered first: the astronaut and the donor codes drawn on her, then two uploads
    (a second face made from the astronaut, mirrored and recoloured, as face a; the astronaut as donor b) that
    change the outputs, and a photo without a face that gets one sentence. No CelebA picture appears."""
    from PIL import Image, ImageOps

    from disentangle_core.checkpoints import ASSETS_DIR, available_assets

    if PHOTO_MODELS[0] not in available_assets(ASSETS_DIR):
        pytest.skip(f"{PHOTO_MODELS[0]} is not in assets/")
    ARTIFACTS.mkdir(exist_ok=True)
    astronaut = ASSETS_DIR / "astronaut.png"
    r, g, b = ImageOps.mirror(Image.open(astronaut).convert("RGB")).split()
    Image.merge("RGB", (b, r, g)).save(tmp_path / "second_face.png")  # a detectable face, not the astronaut's colours
    Image.new("RGB", (200, 200), (170, 180, 190)).save(tmp_path / "no_face.png")
    changed = "([sel, old]) => document.querySelector(sel)?.getAttribute('src') !== old"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(server, wait_until="domcontentloaded")
            open_tab(page, "Glasses / beard transfer")
            transfer = page.locator("#content-transfer img")
            transfer.wait_for(timeout=60_000)  # the astronaut wearing the first donor code's glasses
            checked = page.locator("#content-attribute input:checked")
            assert checked.get_attribute("value") == PHOTO_MODELS[0]
            page.get_by_text("which is for non-commercial research only").wait_for(timeout=10_000)
            assert page.locator("#content-faces img").count() == 1  # the astronaut
            donors = page.locator("#content-donors img")
            donors.nth(1).wait_for(timeout=30_000)
            assert page.locator("#content-random-face").is_hidden()

            # Another donor code: the transfer is redrawn.
            before = transfer.get_attribute("src")
            donors.nth(1).click(timeout=30_000)
            page.wait_for_function(changed, arg=["#content-transfer img", before], timeout=30_000)

            # The second face as face a, then the astronaut as donor b: the outputs change each time.
            for role, path, shown in (
                ("face", tmp_path / "second_face.png", ("face", "transfer")),
                ("donor", astronaut, ("donor", "removal")),
            ):
                befores = {key: page.locator(f"#content-{key} img").get_attribute("src") for key in shown}
                page.locator(f"#content-upload-{role} input[type=file]").set_input_files(str(path))
                for key in shown:
                    page.wait_for_function(changed, arg=[f"#content-{key} img", befores[key]], timeout=60_000)
            page.locator("#content-grid img").wait_for(timeout=30_000)
            assert page.locator("#content-upload-note").is_hidden()  # photos are what this model reads
            page.wait_for_timeout(500)
            page.screenshot(path=ARTIFACTS / "tab_content_photo.png", full_page=True)

            # A photo without a face: one sentence.
            page.locator("#content-upload-face").get_by_role("button", name="Clear").click(timeout=10_000)
            page.locator("#content-upload-face input[type=file]").set_input_files(str(tmp_path / "no_face.png"))
            page.get_by_text("no face was found; upload a photo of one face").first.wait_for(timeout=30_000)
            assert "__i18n__" not in page.inner_text("body")  # every text was translated
        finally:
            browser.close()


def test_readme_picture_of_the_first_tab():
    """The README's picture: the first tab as an English browser opens it, over the shipped models (all
    procedural dSprites: no photograph can appear in it)."""
    from disentangle_core.checkpoints import ASSETS_DIR, available_assets

    if README_MODEL not in available_assets(ASSETS_DIR):
        pytest.skip(f"{README_MODEL} is not in assets/")
    import demo_app
    from disentangle_core.app.ui import launch_options

    demo = demo_app.build_demo(ASSETS_DIR)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options(demo_app.I18N)
    )
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 980}).new_page()
                page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
                page.get_by_role("tab", name="Latent traversal").wait_for(timeout=30_000)
                for image in ("#decoded-image img", "#traversal-grid img"):
                    page.locator(image).wait_for(timeout=60_000)
                page.locator("#latent-slider-0 input[type=range]").wait_for(timeout=30_000)
                before = page.locator("#traversal-grid img").get_attribute("src")
                index = page.get_by_label("Dataset image number")
                index.fill(str(README_IMAGE))
                index.press("Enter")
                page.wait_for_function(
                    "([sel, old]) => document.querySelector(sel)?.getAttribute('src') !== old",
                    arg=["#traversal-grid img", before],
                    timeout=30_000,
                )
                index.blur()  # no focus ring in the picture
                page.wait_for_timeout(1000)  # the images finish loading
                assert "__i18n__" not in page.inner_text("body")
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=ARTIFACTS / "app.png")
                if WRITE_README_PICTURE:
                    page.screenshot(path=README_PICTURE)
            finally:
                browser.close()
    finally:
        demo.close()
