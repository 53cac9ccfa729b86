"""The HTML page `pixelforge eval` writes beside evaluation.json: metrics with their protocol,
a sample grid and a nearest-training-neighbour grid (the memorization check) for generative models."""

from __future__ import annotations

from pathlib import Path

import torch

from ..data import ImageDataset
from ..images import save_image_grid
from ..runtime import make_generator
from .html import Section, write_report

GRID_SAMPLES, NEIGHBOUR_QUERIES, NEIGHBOURS = 64, 8, 5


def _summary_row(result: dict) -> dict:
    protocol = result.get("protocol", {})
    network = protocol.get("feature_network") or {}
    return {"metric": result["metric"], "value": result["value"], "std": result.get("std", ""),
            "unit": result.get("unit", ""), "dataset": result.get("dataset", ""),
            "n real": protocol.get("num_real", protocol.get("num_images", "")), "n fake": protocol.get("num_fake", ""),
            "feature network": network.get("name", "") if isinstance(network, dict) else network,
            "resize": protocol.get("resize", "")}


@torch.no_grad()
def write_evaluation_report(model, report: dict, folder: Path, training_images: ImageDataset | None,
                            seed: int = 0) -> Path:
    """Write folder/evaluation.html (+ PNGs in folder/evaluation/) for `report` (evaluate()'s dict).

    Generative models get a grid of GRID_SAMPLES samples (seeded) and, when `training_images`
    is given, NEIGHBOUR_QUERIES samples each followed by their NEIGHBOURS nearest training
    images in pixel space: a sample equal to its first neighbour was memorized.
    """
    from ..explain.neighbours import neighbour_grid
    from ..models import GenerativeModel

    folder = Path(folder)
    images = folder / "evaluation"
    sections = [Section("Metrics", rows=[_summary_row(r) for r in report["results"]],
                        text=f"checkpoint {report['checkpoint']}, evaluated {report['date']}")]
    if isinstance(model, GenerativeModel):
        images.mkdir(parents=True, exist_ok=True)
        samples = model.sample(GRID_SAMPLES, generator=make_generator(seed, model.device)).float().cpu()
        save_image_grid(samples, images / "samples.png")
        figures = [("samples (seed {seed})".format(seed=seed), "evaluation/samples.png")]
        if training_images is not None:
            grid = neighbour_grid(samples[:NEIGHBOUR_QUERIES], training_images, k=NEIGHBOURS)
            save_image_grid(grid, images / "neighbours.png", nrow=NEIGHBOURS + 1)
            figures.append((f"each row: a sample, then its {NEIGHBOURS} nearest {training_images.name}:"
                            f"{training_images.split} images (pixel L2)", "evaluation/neighbours.png"))
        sections.append(Section("Samples and nearest training neighbours", images=figures))
    for result in report["results"]:
        sections.append(Section(f"Protocol: {result['metric']}", code=result.get("protocol", {})))
    return write_report(folder / "evaluation.html", f"Evaluation of {model.registered_name}", sections)
