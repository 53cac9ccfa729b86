"""The main job: train a small VAE on the embedded MNIST, sample, evaluate and write an HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .config import DataConfig, TrainConfig
from .data import binarize_fixed, load_dataset
from .evaluate import evaluate
from .images import save_image_grid
from .report import Section, plot_training_curves, write_report
from .runtime import make_generator
from .train import load, train
from .train.logger import read_metrics

QUICKSTART_MODEL = {"architecture": "mlp", "latent_dim": 32, "width": 32}


def quickstart(out_dir: str | Path = "pixelforge-quickstart", steps: int = 3000, batch_size: int = 128,
               importance_samples: int = 1000, seed: int = 0) -> Path:
    """Train `vae` on embedded-mnist (train split: 9,000 real MNIST test images), report on its other 1,000.

    Returns the path of `report.html` inside `out_dir`.
    """
    out_dir = Path(out_dir)
    config = TrainConfig(steps=steps, batch_size=batch_size, learning_rate=1e-3, lr_schedule="cosine",
                         seed=seed, log_every=25, sample_every=max(steps // 4, 1),
                         checkpoint_every=max(steps // 2, 1), ema_decay=0.999)
    result = train("vae", DataConfig(source="embedded-mnist"), out_dir, config, model_overrides=QUICKSTART_MODEL)
    evaluation = evaluate(out_dir, data="embedded-mnist", split="test", importance_samples=importance_samples,
                          seed=seed)
    model = load(out_dir)
    test = load_dataset("embedded-mnist", split="test")
    figures = _figures(model, test, out_dir / "figures", seed)
    curve = plot_training_curves(read_metrics(out_dir / "metrics.jsonl"), out_dir / "figures" / "loss.png")
    nll = evaluation["results"][0]
    sections = [
        Section("Samples", "64 decoder means for z ~ N(0, I), EMA weights, seed "
                f"{seed}.", images=[("samples", _rel(figures["samples"], out_dir))]),
        Section("Reconstructions", "Odd rows: held-out test images (binarized); even rows: their reconstructions.",
                images=[("reconstructions", _rel(figures["reconstructions"], out_dir))]),
        Section("Latent interpolations", "Each row decodes 10 points on the line between two test images' "
                "posterior means.", images=[("interpolations", _rel(figures["interpolations"], out_dir))]),
        Section("Training loss", f"{result.steps} steps, batch {batch_size}, {result.wall_seconds:.0f} s, "
                f"{result.images_per_second:.0f} images/s.", images=[("loss curve", _rel(curve, out_dir))]),
        Section("Metrics", rows=[{"metric": "test NLL", "value": nll["value"], "unit": nll["unit"],
                                  "bits/dim": nll["bits_per_dim"], "dataset": nll["dataset"]}],
                code=nll["protocol"]),
        Section("Model", code=model.checkpoint_config["model"]),
    ]
    (out_dir / "summary.json").write_text(json.dumps({"evaluation": evaluation, "train_wall_seconds":
                                                      result.wall_seconds}, indent=2))
    return write_report(out_dir / "report.html", "pixelforge quickstart: a VAE on MNIST", sections)


def _rel(path: Path, root: Path) -> str:
    return str(Path(path).relative_to(root))


@torch.no_grad()
def _figures(model, test, folder: Path, seed: int) -> dict[str, Path]:
    generator = make_generator(seed, model.device)
    samples = save_image_grid(model.sample(64, generator=generator), folder / "samples.png", nrow=8)
    x, _ = test.batch(torch.arange(32))
    x = binarize_fixed(x) if model.input_kind == "binary" else x
    reconstructions = model.reconstruct(x)
    paired = torch.stack([x.view(4, 8, *x.shape[1:]), reconstructions.view(4, 8, *x.shape[1:])], 1)
    recon_path = save_image_grid(paired.reshape(-1, *x.shape[1:]), folder / "reconstructions.png", nrow=8)
    rows = [model.interpolate(x[2 * i], x[2 * i + 1], steps=10) for i in range(6)]
    interpolation_path = save_image_grid(torch.cat(rows), folder / "interpolations.png", nrow=10)
    return {"samples": samples, "reconstructions": recon_path, "interpolations": interpolation_path}
