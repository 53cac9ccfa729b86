"""Weights folders of the task networks: one format for restoration, inpainting, colorizer and style."""

import json

import pytest
import torch

from pixelforge.edit.restore.weights import WEIGHTS_DIR, load_weights
from pixelforge.errors import CheckpointError
from pixelforge.models import pretrained
from pixelforge.models.pretrained import load_pretrained, save_pretrained
from pixelforge.models.restoration import DnCNN, build_network

SHIPPED = ["superres_espcn", "superres_edsr", "denoise_ffdnet_gray", "inpaint_unet", "colorize_cifar_t91",
           "style_starry_night"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_task_folder_uses_the_one_format(name):
    header = json.loads((WEIGHTS_DIR / name / "config.json").read_text())
    assert set(header) == {"kind", "config", "dtype", "provenance"} and header["dtype"] == "float16"
    assert header["provenance"], f"{name}: the shipped weights should say how they were made"


def test_a_saved_network_loads_back_equal_and_refuses_another_kind(tmp_path):
    network = DnCNN(depth=3, width=8).eval()
    save_pretrained(network, tmp_path / "dncnn", "dncnn", {"note": "test"}, dtype=torch.float32)
    again = load_weights(tmp_path / "dncnn")
    images = torch.rand(1, 1, 12, 12)
    assert torch.equal(network(images), again(images))
    assert load_weights(tmp_path / "dncnn" / "model.safetensors") is not None  # the file's folder is read
    with pytest.raises(CheckpointError, match="holds a 'dncnn' network; expected 'colorizer'"):
        load_pretrained(tmp_path / "dncnn", "colorizer", build_network)


def test_a_crash_while_saving_leaves_the_previous_folder_intact(tmp_path, monkeypatch):
    first = DnCNN(depth=3, width=8).eval()
    save_pretrained(first, tmp_path / "weights", "dncnn", dtype=torch.float32)

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pretrained, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        save_pretrained(DnCNN(depth=3, width=8), tmp_path / "weights", "dncnn", dtype=torch.float32)
    assert [path.name for path in tmp_path.iterdir()] == ["weights"]  # no temporary folder left behind
    images = torch.rand(1, 1, 12, 12)
    assert torch.equal(load_weights(tmp_path / "weights")(images), first(images))


def test_broken_folders_raise_one_clear_error(tmp_path):
    save_pretrained(DnCNN(depth=3, width=8), tmp_path / "weights", "dncnn")
    weights = tmp_path / "weights" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:64])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_weights(tmp_path / "weights")
    save_pretrained(DnCNN(depth=3, width=8), tmp_path / "weights", "dncnn")
    config = tmp_path / "weights" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "config": {"depth": 4, "width": 8}}))
    with pytest.raises(CheckpointError, match="weights do not match the config"):
        load_weights(tmp_path / "weights")
    config.write_text(json.dumps({"kind": "dncnn", "config": {"depth": 3, "colour": 8}}))
    with pytest.raises(CheckpointError, match="invalid config"):
        load_weights(tmp_path / "weights")
    config.write_text("{not json")
    with pytest.raises(CheckpointError, match="config.json: unreadable"):
        load_weights(tmp_path / "weights")
