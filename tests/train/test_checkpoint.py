"""Checkpoints round-trip through safetensors + JSON, are written atomically, and never execute code."""

import json
import os

import pytest
import torch

import pixelforge
from pixelforge import CheckpointError
from pixelforge.train import checkpoint as ckpt


def _model():
    torch.manual_seed(0)
    return pixelforge.create_model("conditional_vae", likelihood="logistic", width=8)


def test_save_then_load_gives_identical_outputs(tmp_path):
    model = _model().eval()
    path = pixelforge.save_model(model, tmp_path / "exported")
    loaded = pixelforge.load(path)
    assert loaded.config == model.config and loaded.registered_name == "conditional_vae"
    labels = torch.tensor([1, 2, 3])
    a = model.sample(3, y=labels, generator=torch.Generator().manual_seed(0))
    b = loaded.sample(3, y=labels, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors"]


def test_a_crash_mid_write_leaves_the_previous_checkpoint_intact(tmp_path, monkeypatch):
    model = _model()
    config = {"model": {"name": "conditional_vae", "config": {**model.config.__dict__}}}
    first = ckpt.save_checkpoint(tmp_path, 1, config, model.state_dict())

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt, "save_file", crash)
    with pytest.raises(OSError):
        ckpt.save_checkpoint(tmp_path, 2, config, model.state_dict())
    assert ckpt.resolve_checkpoint(tmp_path) == first
    assert pixelforge.load(tmp_path).config == model.config


def test_old_checkpoints_are_pruned_but_latest_is_kept(tmp_path):
    model = _model()
    config = {"model": {"name": "conditional_vae", "config": {**model.config.__dict__}}}
    for step in range(1, 5):
        ckpt.save_checkpoint(tmp_path, step, config, model.state_dict(), keep=2)
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["latest", "step-00000003", "step-00000004"]


def test_truncated_weights_are_a_clear_error(tmp_path):
    path = pixelforge.save_model(_model(), tmp_path / "m")
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: os.path.getsize(weights) // 2])
    with pytest.raises(CheckpointError, match="model.safetensors: corrupt or truncated"):
        pixelforge.load(path)


def test_missing_and_foreign_folders_are_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        pixelforge.load(tmp_path / "nothing")
    with pytest.raises(CheckpointError, match="is not a checkpoint"):
        pixelforge.load(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(CheckpointError, match="not a pixelforge checkpoint"):
        pixelforge.load(tmp_path)


def test_loading_reads_no_pickle(tmp_path, monkeypatch):
    path = pixelforge.save_model(_model(), tmp_path / "m")
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used while loading a checkpoint")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    assert pixelforge.load(path).registered_name == "conditional_vae"


def test_checkpoint_files_are_readable_by_others_under_the_usual_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = pixelforge.save_model(_model(), tmp_path / "m")
    finally:
        os.umask(old)
    assert {oct(p.stat().st_mode & 0o777) for p in path.iterdir()} == {oct(0o644)}
