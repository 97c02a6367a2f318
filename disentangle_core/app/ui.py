"""The Gradio glue every tab shares: translated text, user-facing errors and the offline launch settings.

Events that take numbers, choices or text are wired with ``preprocess=False``: the callbacks receive
the raw values sent by the browser or an API client and check them themselves (``inputs.py``), so
a wrong value always gets one sentence that names it (Gradio's own checks answer text in a number
field with a generic message).

Every label, info text and explanation is a translation key, looked up in the browser by Gradio's
``gr.I18n`` (English or Japanese, following the browser's language). Each tab keeps its own strings
in a ``TEXT = {"en": {...}, "ja": {...}}`` dict next to the components that use them.
"""

from __future__ import annotations

import functools
import inspect

import gradio as gr
from gradio.i18n import I18nData

from ..models import NonFiniteLossError
from .inputs import MAX_UPLOAD_BYTES

LANGUAGES = ("en", "ja")


def t(key: str) -> I18nData:
    """A translation key; the browser shows its English or Japanese text."""
    return I18nData(key)


def translations(texts) -> gr.I18n:
    """One ``gr.I18n`` from the ``TEXT`` dicts of every tab (a key defined twice is an error)."""
    merged = {lang: {} for lang in LANGUAGES}
    for text in texts:
        if set(text) != set(LANGUAGES) or set(text["en"]) != set(text["ja"]):
            missing = set(text.get("en", {})) ^ set(text.get("ja", {}))
            raise ValueError(f"every text needs both English and Japanese; unmatched keys: {sorted(missing)}")
        for lang in LANGUAGES:
            clash = set(merged[lang]) & set(text[lang])
            if clash:
                raise ValueError(f"translation keys defined twice: {sorted(clash)}")
            merged[lang].update(text[lang])
    return gr.I18n(**merged)


USER_ERRORS = (ValueError, FileNotFoundError, NonFiniteLossError)


def user_errors(fn):
    """Show a bad input's one-sentence ``ValueError`` as a ``gr.Error`` (a toast, no traceback).

    A generator callback (one that streams updates) keeps streaming: its errors are caught as it runs.
    """
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def streaming(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except USER_ERRORS as e:
                raise gr.Error(str(e), print_exception=False) from None

        return streaming

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except USER_ERRORS as e:
            raise gr.Error(str(e), print_exception=False) from None

    return wrapper


APP_TEXT = {
    "en": {
        "app.header": "# Feature disentanglement, hands on\nA tab per family of models: turn one latent of a "
        "VAE at a time and dial β from entangled to disentangled (dSprites), move InfoGAN's and "
        "JointVAE's codes and read a digit you draw, put one face's glasses or beard on another, "
        "and recognise classes never seen in training from their attributes; then train your own "
        "β-VAE. (The page follows your browser's language: English or Japanese.)"
    },
    "ja": {
        "app.header": "# 特徴のもつれを解く：触って学ぶ\nモデルのファミリーごとのタブで："
        "VAE の潜在変数を一つずつ動かし、β のダイヤルでもつれた表現からもつれの解けた表現へ"
        "（dSprites）、InfoGAN と JointVAE のコードを動かして自分で描いた数字を読ませ、"
        "ある顔の眼鏡や髭を別の顔に移し、学習で一度も見ていないクラスを属性から認識します。"
        "最後に自分の β-VAE を学習してみましょう。"
        "（表示言語はブラウザーの言語設定に従います：英語または日本語）"
    },
}

# System fonts only: the default theme would fetch its fonts from Google, and the app makes no requests.
THEME = gr.themes.Default(
    font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "Consolas", "monospace"]
)


def launch_options(i18n: gr.I18n) -> dict:
    """``demo.launch`` settings: offline (no share link, no analytics, no monitoring), translated."""
    return {
        "i18n": i18n,
        "theme": THEME,
        "share": False,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "show_error": False,
        "footer_links": ["api"],
        "max_file_size": MAX_UPLOAD_BYTES,
    }  # the server refuses bigger uploads before storing them
