"""Latency of the Gradio app on this machine, printed as JSON.

1. the traversal callbacks as plain functions: ``preview`` (one decoded image, run while a slider
   moves) and ``refresh`` (one decoded image + the 10x8 traversal grid, run when it is let go);
2. the time from starting ``python demo_app.py`` to the first page served;
3. a load run: 16 concurrent visitors x 25 ``/preview`` calls against localhost, starting ``--warmup``
   seconds (5) after the first page, once the app has imported what later views need (``--warmup 0``:
   visitors who arrive with the first page share the CPU with those imports).

Usage: ``python benchmarks/app_latency.py [--assets DIR] [--clients 16] [--calls 25] [--warmup 5]``. Without shipped
assets (or with ``--untrained``) it publishes untrained models into a temporary folder: the
arithmetic, and so the latency, is the same as with trained weights.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from PIL import Image  # noqa: E402

import demo_app  # noqa: E402
from disentangle_core.app import dsprites_tab  # noqa: E402
from disentangle_core.app.common import ModelCache  # noqa: E402
from disentangle_core.app.dsprites_views import DSpritesViews  # noqa: E402
from disentangle_core.checkpoints import ASSETS_DIR, available_assets, publish, save_model  # noqa: E402
from disentangle_core.models import build_model  # noqa: E402
from disentangle_core.presets import PRESETS  # noqa: E402

MODELS = ("beta_vae_dsprites", "vae_dsprites")  # the first one shipped is measured (same network either way)
MODEL = MODELS[0]
SERVER_LOG = Path(tempfile.gettempdir()) / "app_latency_server.log"


def percentiles(seconds: list) -> dict:
    ms = sorted(1000 * s for s in seconds)
    return {
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
        "n": len(ms),
    }


def untrained_assets() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="app_latency_assets_"))
    for name, preset in PRESETS.items():
        torch.manual_seed(0)
        save_model(folder / "untrained.safetensors", build_model(preset.model, **preset.config), {"preset": name})
        publish(folder / "untrained.safetensors", name, assets_dir=folder)
    return folder


def callback_latency(assets: Path, repeats: int) -> dict:
    torch.set_num_threads(demo_app.TORCH_THREADS)  # as in the app
    views = DSpritesViews(ModelCache(assets))
    outputs = dsprites_tab.from_index(views, MODEL, 1234)  # loads the model (not timed)
    code = outputs[1]
    values = [u["value"] for u in outputs[5:] if u.get("visible")]
    values[0] = values[0] + 0.5
    timings = {"preview": [], "refresh": []}
    for _ in range(repeats + 3):
        for name, fn in (("preview", dsprites_tab.preview), ("refresh", dsprites_tab.refresh)):
            start = time.perf_counter()
            fn(views, MODEL, code, *values)
            timings[name].append(time.perf_counter() - start)
    grid = dsprites_tab.refresh(views, MODEL, code, *values)[1]
    return {
        "preview_one_image": percentiles(timings["preview"][3:]),
        "refresh_image_and_10x8_grid": percentiles(timings["refresh"][3:]),
        "grid_pixels": list(Image.open(grid).size),
    }


def start_server(assets: Path, port: int) -> tuple:
    """Start ``demo_app.py`` in its own process; returns (process, seconds to the first page)."""
    env = {
        **os.environ,
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "DISENTANGLE_ASSETS": str(assets),
    }
    # the shipped assets: `python demo_app.py` itself; others: the app built again over them
    command = (
        ["demo_app.py"]
        if assets.resolve() == Path(ASSETS_DIR).resolve()
        else [
            "-c",
            "import os, demo_app; demo_app.serve(demo_app.build_demo(os.environ['DISENTANGLE_ASSETS']), quiet=True)",
        ]
    )
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(SERVER_LOG, "w")
    )
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                if response.status == 200 and b"gradio" in response.read().lower():
                    return process, time.perf_counter() - start
        except OSError as error:
            if process.poll() is not None:
                raise RuntimeError("the app exited before serving a page") from error
            time.sleep(0.02)  # polls: the figure is not rounded up to a tenth


class BrowserSession:
    """One visitor, speaking Gradio's queue protocol as the page's JavaScript does: POST the event to
    ``queue/join``, read the result from the ``queue/data`` event stream, then GET the returned image.

    A light client on purpose: ``gradio_client`` spends about 120 ms of CPU per call on its own threads
    and polling (measured here against 25 ms in the server), so on a 2-core machine its load measured
    the client more than the app. This one costs a few ms per call, as a browser elsewhere costs the server nothing.
    """

    def __init__(self, http, root: str, fn_indices: dict):
        self.http, self.root, self.fn_indices = http, root, fn_indices
        self.session_hash = uuid.uuid4().hex[:11]

    async def call(self, api_name: str, *data) -> list:
        payload = {
            "data": list(data),
            "fn_index": self.fn_indices[api_name],
            "session_hash": self.session_hash,
            "event_data": None,
            "trigger_id": None,
        }
        response = await self.http.post(f"{self.root}/gradio_api/queue/join", json=payload)
        response.raise_for_status()
        async with self.http.stream(
            "GET", f"{self.root}/gradio_api/queue/data", params={"session_hash": self.session_hash}
        ) as stream:
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(f"the app answered with an error: {message.get('output')}")
                    outputs = message["output"]["data"]
                    break
            else:
                raise RuntimeError("the event stream closed before the result")
        for value in outputs:  # fetch the images, as the page does to show them
            if isinstance(value, dict) and value.get("url"):
                (await self.http.get(value["url"])).raise_for_status()
        return outputs


async def _load_run(port: int, clients: int, calls: int) -> dict:
    import httpx

    root = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=4 * clients, max_keepalive_connections=2 * clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        config = (await http.get(f"{root}/config")).json()
        fn_indices = {d.get("api_name"): d.get("id", i) for i, d in enumerate(config["dependencies"])}
        latencies, errors = [], []
        ready = asyncio.Barrier(clients)

        async def user(i: int) -> None:
            session = BrowserSession(http, root, fn_indices)
            outputs = await session.call("from_index", MODEL, 1000 + i)  # this visitor's image
            values = [u["value"] for u in outputs[5:] if u.get("visible")]
            values += [0.0] * (dsprites_tab.MAX_SLIDERS - len(values))
            await ready.wait()
            for k in range(calls):
                values[0] = -2.0 + 4.0 * k / max(1, calls - 1)  # drag the first slider across
                start = time.perf_counter()
                try:
                    await session.call("preview", MODEL, None, *values)  # None: the code is session state
                    latencies.append(time.perf_counter() - start)
                except Exception as e:  # noqa: BLE001 (every failure counts as an error)
                    errors.append(f"{type(e).__name__}: {e}")

        start = time.perf_counter()
        await asyncio.gather(*(user(i) for i in range(clients)))
        wall = time.perf_counter() - start
    return {
        "clients": clients,
        "calls_each": calls,
        "errors": len(errors),
        "first_errors": errors[:3],
        **percentiles(latencies),
        "throughput_calls_per_s": round(len(latencies) / wall, 1),
    }


def load_run(port: int, clients: int, calls: int) -> dict:
    """``clients`` visitors at once, each dragging a slider through ``calls`` ``/preview`` calls."""
    return asyncio.run(_load_run(port, clients, calls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", default=str(ASSETS_DIR))
    parser.add_argument("--untrained", action="store_true", help="benchmark untrained models in a temporary folder")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--calls", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--port", type=int, default=7931)
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds between the first page and the load (0: visitors arrive with the first page)",
    )
    args = parser.parse_args()
    global MODEL
    assets = Path(args.assets)
    shipped = [name for name in MODELS if name in available_assets(assets)]
    untrained = args.untrained or not shipped
    if untrained:
        assets = untrained_assets()
    else:
        MODEL = shipped[0]

    report = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "torch_threads": demo_app.TORCH_THREADS,
            "load_average_1min": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "assets": "untrained (temporary)" if untrained else str(assets),
        "model": MODEL,
        "callback": callback_latency(assets, args.repeats),
    }
    process, seconds = start_server(assets, args.port)
    try:
        report["launch_to_first_page_s"] = round(seconds, 2)
        time.sleep(args.warmup)  # the app imports what later views need once its page is up
        report["load_starts_s_after_first_page"] = args.warmup
        report["load"] = load_run(args.port, args.clients, args.calls)
    finally:
        process.terminate()
        process.wait(timeout=30)
    report["machine"]["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
