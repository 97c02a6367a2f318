"""Upload components whose malformed values, sent through the API, get one sentence.

Gradio checks an upload's value against the component's data model before any callback runs, and answers
a number, a string or a dict without a file with its generic "the upstream app has raised an exception".
``checked`` gives a component a data model that first says, as a ``gr.Error``, what was sent and what is
accepted; a well-formed file reference goes on to Gradio's own checks and then to the tab's callback.
"""

from __future__ import annotations

import gradio as gr

FILE_META = {"_type": "gradio.FileData"}  # what marks a file that was sent to the server (gradio_client's handle_file)


def upload_problem(value) -> str | None:
    """What is wrong with an upload's raw value, in one sentence, or None where it is a file reference."""
    if isinstance(value, dict) and isinstance(value.get("path"), str) and value["path"]:
        if value.get("meta") == FILE_META:
            return None
        sent = "a file path that was not uploaded"
    elif isinstance(value, dict):
        sent = "a dict without a file path"
    else:
        sent = f"{type(value).__name__} {str(value)[:40]!r}"
    return (
        f"no image file was uploaded (got {sent}); upload a PNG, JPEG, GIF, BMP, WebP or TIFF file "
        "(from gradio_client: handle_file(path))"
    )


def checked(component: gr.components.Component) -> gr.components.Component:
    """``component`` (a ``gr.File`` or ``gr.Image``) with its data model replaced by one that refuses a malformed
    value in one sentence; the API's description of the input stays that of a file."""
    model = component.data_model

    class Checked(model):
        model_config = {**model.model_config, "title": model.__name__}

        @classmethod
        def model_validate(cls, obj, *args, **kwargs):
            problem = upload_problem(obj)
            if problem:
                raise gr.Error(problem, print_exception=False)
            return model.model_validate(obj, *args, **kwargs)

    Checked.__name__ = Checked.__qualname__ = f"Checked{model.__name__}"
    component.data_model = Checked
    return component
