"""`evaluate` writes an HTML page with the metrics, their protocol, a sample grid and training neighbours."""

import json

import pytest
import torch
from PIL import Image

import pixelforge
from pixelforge import TrainConfig
from pixelforge.evaluate import evaluate
from pixelforge.report.evaluation import NEIGHBOUR_QUERIES, NEIGHBOURS


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("run")
    dataset = pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))
    config = TrainConfig(steps=2, batch_size=16, sample_every=0, checkpoint_every=0)
    pixelforge.train("vae", "embedded-mnist", run, config, {"architecture": "mlp", "width": 4, "latent_dim": 4},
                     dataset=dataset)
    return run


def test_html_report_has_metrics_protocol_samples_and_neighbours(tiny_run):
    report = evaluate(tiny_run, metrics=("nll",), importance_samples=2, limit=20, progress=False)
    page = (tiny_run / "checkpoints" / "step-00000002" / "evaluation.html")
    assert report["html"] == str(page) and page.is_file()
    text = page.read_text()
    assert "nll" in text and "Protocol: nll" in text and "binarization" in text.lower()
    folder = page.parent / "evaluation"
    samples, neighbours = Image.open(folder / "samples.png"), Image.open(folder / "neighbours.png")
    assert samples.size[0] > 28 * 4
    # one row per query: the sample and its neighbours, 28-pixel tiles plus padding
    assert neighbours.size[1] >= 28 * NEIGHBOUR_QUERIES and neighbours.size[0] >= 28 * (NEIGHBOURS + 1)
    assert neighbours.size[1] < 28 * (NEIGHBOUR_QUERIES + 1) + 4 * (NEIGHBOUR_QUERIES + 2)
    stored = json.loads((page.parent / "evaluation.json").read_text())
    assert stored["html"] == str(page)


def test_html_report_can_be_turned_off(tiny_run):
    page = tiny_run / "checkpoints" / "step-00000002" / "evaluation.html"
    page.unlink(missing_ok=True)
    report = evaluate(tiny_run, metrics=("nll",), importance_samples=2, limit=10, progress=False, html=False)
    assert "html" not in report and not page.exists()


def test_auto_picks_a_metric_that_applies_to_each_family():
    from pixelforge.evaluate import default_metrics

    assert default_metrics(pixelforge.create_model("vae")) == ("nll",)
    assert default_metrics(pixelforge.create_model("small_resnet")) == ("accuracy",)
    assert default_metrics(pixelforge.create_model("dcgan", width=4)) == ("domain_fid",)
    assert default_metrics(pixelforge.create_model("sngan", width=4, image_size=32, channels=3)) == ("fid",)
