"""Cheap progress check between diffusion models (e.g. before and after more training): domain FID and
KID of N samples against the test set, in the features of the shipped 28x28 classifier, and a
side-by-side sample grid (same seeds, so the rows show the same noise decoded by each model).

The headline Inception FID (diffusion_benchmark.py, 10k samples) costs about two CPU hours per model
(sampling, then Inception at 299x299 for both sets); this takes minutes. Domain FID of N < 10k
samples is biased upwards: compare models at the same N, not with the headline. KID is unbiased.

    python benchmarks/diffusion_progress.py OLD_WEIGHTS NEW_WEIGHTS --data mnist --data-root ../shared/datasets \
        --num-samples 1000 --name mnist_continued
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pixelforge  # noqa: E402
from pixelforge.images import save_image_grid  # noqa: E402
from pixelforge.metrics.domain import domain_extractor  # noqa: E402
from pixelforge.metrics.generative import compute_fid, compute_kid  # noqa: E402
from pixelforge.train.export import load_exported  # noqa: E402

from common import RESULTS, print_table, write_results  # noqa: E402


def samples_of(model, count: int, sampler: str, steps: int, batch_size: int) -> torch.Tensor:
    generator = pixelforge.make_generator(0, model.device)
    parts = [model.sample(min(batch_size, count - start), generator=generator, sampler=sampler, steps=steps, eta=0.0)
             for start in range(0, count, batch_size)]
    return torch.cat(parts).float().cpu()


def describe(model) -> dict:
    """Its own steps, and the total counting every run it was initialized from (train --init-from)."""
    config = model.checkpoint_config
    step = config.get("exported", {}).get("step", config.get("step")) or 0
    total, earlier = step, config.get("initialized_from")
    while earlier:
        total, earlier = total + (earlier.get("step") or 0), earlier.get("initialized_from")
    return {"step": step, "total_steps": total, "initialized_from": config.get("initialized_from"),
            "model_config": config["model"]["config"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="weights, checkpoint or run folders of diffusion models")
    parser.add_argument("--data", default="mnist", choices=("mnist", "fashion-mnist"))
    parser.add_argument("--data-root")
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--sampler", default="ddim", choices=("ddim", "dpm++"))
    parser.add_argument("--sampling-steps", type=int, default=25)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--name", required=True, help="results/diffusion_progress_NAME.json and _samples.png")
    parser.add_argument("--results", default=str(RESULTS))
    args = parser.parse_args()
    started = time.perf_counter()
    test = pixelforge.load_dataset(args.data, split="test", data_root=args.data_root)
    real = test.batch(torch.arange(len(test)))[0]
    extractor = domain_extractor(args.data)
    rows, results, grids = [], [], []
    for path in args.models:
        model = load_exported(path)
        begun = time.perf_counter()
        fake = samples_of(model, args.num_samples, args.sampler, args.sampling_steps, args.batch)
        sampling_seconds = time.perf_counter() - begun
        fid = compute_fid(real, fake, extractor=extractor, progress=False)
        kid = compute_kid(real, fake, extractor=extractor, progress=False)
        results.append({"model": path, **describe(model), "domain_fid": fid["value"], "domain_kid": kid["value"],
                        "domain_kid_std": kid["std"], "sampling_images_per_second": args.num_samples / sampling_seconds,
                        "protocol": {"fid": fid["protocol"], "kid": kid["protocol"],
                                     "sampling": {"sampler": args.sampler, "steps": args.sampling_steps,
                                                  "num_samples": args.num_samples, "seed": 0}}})
        rows.append({"model": path, "steps": results[-1]["total_steps"], "domain FID": fid["value"],
                     "domain KID x1000": 1000 * kid["value"], "img/s": results[-1]["sampling_images_per_second"]})
        grids.append(fake[:16])
    picture = save_image_grid(torch.cat(grids), Path(args.results) / f"diffusion_progress_{args.name}_samples.png",
                              nrow=16)
    print_table(rows, ["model", "steps", "domain FID", "domain KID x1000", "img/s"])
    path = write_results(f"diffusion_progress_{args.name}", results, time.perf_counter() - started,
                         {"picture": str(picture), "rows": "one row of 16 samples per model, same seeds"},
                         directory=Path(args.results))
    print(f"written: {path}\npicture: {picture}")


if __name__ == "__main__":
    main()
