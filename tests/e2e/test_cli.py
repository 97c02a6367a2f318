import json

import pytest
from PIL import Image

from disentangle_core.checkpoints import available_assets, load_card
from disentangle_core.cli import build_parser, main


def test_train_resume_info_traverse(tmp_path, capsys):
    out = tmp_path / "run"
    common = ["--out", str(out), "--device", "cpu", "--checkpoint-every", "2", "--batch_size=4", "--latent_dim=3"]
    assert main(["train", "beta_vae_dsprites", "--steps", "2", *common]) == 0
    assert main(["train", "beta_vae_dsprites", "--steps", "4", "--resume", *common]) == 0
    model_file = str(out / "model.safetensors")
    capsys.readouterr()
    assert main(["info", model_file]) == 0
    card = json.loads(capsys.readouterr().out.split("\n(training history")[0])
    assert card["steps"] == 4 and card["preset"] == "beta_vae_dsprites" and card["config"]["latent_dim"] == 3
    assert card["batch_size"] == 4 and card["config"]["beta"] == 4.0
    assert main(["traverse", model_file, "--out", str(tmp_path / "t.png"), "--steps", "5"]) == 0
    assert main(["traverse", model_file, "--out", str(tmp_path / "t.gif"), "--steps", "3"]) == 0
    assert Image.open(tmp_path / "t.png").size[0] > 5 * 64
    assert Image.open(tmp_path / "t.gif").n_frames == 4


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "betavae", "--out", "x"], "unknown preset 'betavae'; choose from"),
        (["train", "beta_vae_dsprites", "--out", "x", "--beta=high"], "'beta' of model 'beta_vae' must be float"),
        (["train", "beta_vae_dsprites", "--out", "x", "--betta=4"], "unknown option --betta"),
        (["train", "beta_vae_dsprites", "--out", "x", "--seed=one"], "--seed must be an integer"),
        (["info", "nope"], "unknown asset 'nope'"),
        (["traverse", "nope.safetensors", "--out", "t.png"], "checkpoint not found"),
        (["traverse", "x.safetensors", "--out", "t.jpg"], "--out must end in .png or .gif"),
        (["traverse", "content_ae_glasses", "--out", "t.png"], "(content_ae), whose figure command is transfer"),
        (["evaluate", "beta_vae_dsprites", "--device", "nope"], "unknown device 'nope'; choose from: auto, cpu"),
        (["traverse", "dvae_gzsl", "--out", "t.png"], "is a gzsl model (dvae), which has no figure command"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_list_runs(capsys):
    assert main(["list"]) == 0
    assert capsys.readouterr().out


def test_list_and_info_print_json_with_the_cards_keys(capsys):
    assert main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [entry["asset"] for entry in listed] == available_assets()
    card = load_card(listed[0]["asset"])
    assert {k: card[k] for k in listed[0]} == listed[0] and {"model", "steps", "metrics"} <= set(listed[0])
    assert main(["info", listed[0]["asset"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == card  # the whole card, history included


def test_evaluate_defaults_to_the_cards_counts_and_says_what_each_costs(capsys):
    assert build_parser().parse_args(["evaluate", "beta_vae_dsprites"]).counts == "standard"
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "standard (default;" in help_text and "~30 min" in help_text and "quick (seconds" in help_text


def test_every_shipped_asset_has_an_evaluation_and_an_unknown_dataset_is_one_sentence():
    from disentangle_core.checkpoints import available_assets, load_card
    from disentangle_core.families import EVALUATIONS, evaluation_for

    for name in available_assets():
        card = load_card(name)
        assert card["dataset"] in EVALUATIONS, name
        evaluation = evaluation_for(card)
        assert set(card["metrics"]) <= set(evaluation.headline), name
    with pytest.raises(ValueError, match="no family knows the dataset 'nope' of this model; known: dsprites"):
        evaluation_for({"dataset": "nope"})
