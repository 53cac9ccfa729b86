"""GAN benchmarks: Inception FID (10k samples vs the 10k test set), KID, domain FID, class accuracy.

Anchors (Lucic et al. 2018, "Are GANs Created Equal?", best FID): MNIST 6.7 (WGAN), 6.8 (NS GAN);
Fashion-MNIST 21.5 (WGAN). Targets: MNIST <= 6.0, Fashion-MNIST <= 20 with <= 2 hours of CPU;
class-conditional MNIST: the shipped classifier agrees with the requested class on >= 95 %
(reported beside the within-class diversity, which exposes a generator that ignores z).

    python benchmarks/gan_benchmark.py --setup mnist --phase train --data-root ../shared/datasets
    python benchmarks/gan_benchmark.py --setup mnist --phase eval --data-root ../shared/datasets
    python benchmarks/gan_benchmark.py --setup conditional-mnist --data-root ../shared/datasets
    python benchmarks/gan_benchmark.py --setup mnist --steps 50 --num-samples 100 --num-real 100 --out /tmp/smoke  # smoke run

Training and evaluation are separate phases so that each can get the cores it needs; "all" runs
both. The evaluated weights are the EMA generator's at the last step (no checkpoint picking).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

import pixelforge  # noqa: E402
from pixelforge import DataConfig, TrainConfig  # noqa: E402
from pixelforge.images import save_image_grid, to_float  # noqa: E402
from pixelforge.runtime import make_generator  # noqa: E402
from pixelforge.metrics import compute_fid, compute_kid  # noqa: E402
from pixelforge.metrics.domain import conditional_sample_accuracy, evaluate_domain_fid, shipped_classifier  # noqa: E402
from pixelforge.metrics.feature_sets import compute_features  # noqa: E402
from pixelforge.metrics.features import default_extractor  # noqa: E402
from pixelforge.metrics.reference import reference_features  # noqa: E402
from pixelforge.metrics.sample_quality import sample_batches  # noqa: E402

from common import add_sample_quality_options, latest_checkpoint_step, print_table, write_results  # noqa: E402

CACHE = Path(__file__).resolve().parent / "cache"
ANCHORS = {"mnist": {"Lucic et al. 2018 best (WGAN)": 6.7, "Lucic et al. 2018 NS GAN": 6.8},
           "fashion-mnist": {"Lucic et al. 2018 best (WGAN)": 21.5}}

SETUPS = {
    "mnist": {"model": "dcgan", "dataset": "mnist", "steps": 36_000, "batch_size": 64,
              "overrides": {"width": 64, "latent_dim": 64},
              "train": {"ema_decay": 0.999, "precision": "bf16"}, "target": 6.0},
    "fashion-mnist": {"model": "dcgan", "dataset": "fashion-mnist", "steps": 36_000, "batch_size": 64,
                      "overrides": {"width": 64, "latent_dim": 64},
                      "train": {"ema_decay": 0.999, "precision": "bf16"}, "target": 20.0},
    # CPU, two hours: the DCGAN that gives the MNIST/Fashion results. With n_critic=1 (then the sngan
    # default), the SN + hinge discriminator went blind within 400 steps on CIFAR-10 (D(real) =
    # D(fake), loss 2.0), in fp32 too; with n_critic=5 it separates, but each generator step then
    # costs 5 discriminator steps, and SNGAN's ResNet takes 5.6 s a step at width 64 on one thread.
    "cifar10-cpu": {"model": "dcgan", "dataset": "cifar10", "steps": 40_000, "batch_size": 64, "minutes": 120,
                    "overrides": {"width": 64, "latent_dim": 128},
                    "train": {"ema_decay": 0.999, "precision": "bf16"}},
    "conditional-mnist": {"model": "conditional_dcgan", "dataset": "mnist", "steps": 6_000, "batch_size": 64,
                          "overrides": {"width": 64, "latent_dim": 64},  # hinge loss, spectral norm (defaults)
                          "train": {"ema_decay": 0.999, "precision": "bf16"}, "target_accuracy": 95.0},
}


def train(setup: dict, args, run_dir: Path) -> dict:
    steps = args.steps or setup["steps"]
    minutes = args.minutes if args.minutes is not None else setup.get("minutes", 0.0)
    config = TrainConfig(steps=steps, max_minutes=minutes, batch_size=setup["batch_size"], log_every=200,
                         sample_every=max(steps // 10, 1), checkpoint_every=max(steps // 10, 1), seed=0,
                         **setup["train"])
    data = DataConfig(source=args.source or setup["dataset"], split="train", data_root=args.data_root)
    resumed_from = latest_checkpoint_step(run_dir) if args.resume else None
    result = pixelforge.train(setup["model"], data, run_dir, config, setup["overrides"], resume=args.resume)
    summary = {"steps": result.steps, "max_minutes": minutes,
               "train_wall_seconds": round(result.wall_seconds + args.earlier_wall_seconds, 1),
               "train_images_per_second": round(result.images_per_second, 1),
               "final_losses": result.final_losses, "skipped_steps": result.skipped_steps}
    if resumed_from is not None:
        summary["resumed"] = {"from_step": resumed_from, "this_segment_wall_seconds": round(result.wall_seconds, 1),
                              "earlier_segment_wall_seconds": args.earlier_wall_seconds,
                              "note": "the earlier segment was interrupted; its wall time up to the checkpoint "
                                      "it resumed from was read from that run's progress log"}
    (run_dir / "benchmark_training.json").write_text(json.dumps(summary, indent=2))
    return summary


def evaluate(setup: dict, args, run_dir: Path) -> list[dict]:
    model = pixelforge.load(run_dir)  # EMA weights when the run kept them
    model.eval()
    test = pixelforge.load_dataset(args.source or setup["dataset"], split="test", data_root=args.data_root)
    name = args.setup
    grid = torch.cat(list(sample_batches(model, 100, 100, seed=1)))
    save_image_grid(grid, Path(__file__).resolve().parent / "results" / f"gan_{name}_samples.png", nrow=10)
    if model.config.num_classes:
        accuracy = conditional_sample_accuracy(model, shipped_classifier("mnist"), samples_per_class=1000)
        return [accuracy, within_class_diversity(model, test)]
    extractor = default_extractor(device="cpu")
    real = reference_features(test, extractor=extractor, cache_dir=args.cache_dir, num_images=min(args.num_real, len(test)))
    fake = compute_features(sample_batches(model, args.num_samples, 100, seed=0), extractor, limit=args.num_samples)
    fake.description["source"] = f"samples of {setup['model']}"
    results = [compute_fid(real, fake), compute_kid(real, fake)]
    if setup["dataset"] not in ("mnist", "fashion-mnist"):
        return results  # the domain FID's classifiers are for 28x28 gray sets
    domain = setup["dataset"]
    results.append(evaluate_domain_fid(model, test, num_samples=args.num_samples, limit=args.num_real, domain=domain))
    return results


@torch.no_grad()
def within_class_diversity(model, test, per_class: int = 200) -> dict:
    """Mean pairwise pixel distance of samples within each class over that of real test images of
    the class (1 = as varied as the data; near 0 = the generator ignores z). Guards the class
    accuracy: a generator that draws one image per class scores 100 % on accuracy."""
    generator = make_generator(0, model.device)
    ratios = {}
    for label in range(model.config.num_classes):
        real = test.images[test.labels == label][:per_class]
        fake = model.sample(per_class, y=torch.full((per_class,), label, device=model.device), generator=generator)
        ratios[label] = float(_pairwise(fake) / _pairwise(to_float(real)))
    value = sum(ratios.values()) / len(ratios)
    return {"metric": "within_class_diversity", "value": value, "unit": "ratio", "per_class": ratios,
            "protocol": {"samples_per_class": per_class, "real": f"first {per_class} test images of each class",
                         "distance": "mean pairwise L2 between images in [-1, 1]", "seed": 0}}


def _pairwise(images: torch.Tensor) -> torch.Tensor:
    flat = images.float().flatten(1)
    count = flat.shape[0]
    return torch.cdist(flat, flat).sum() / (count * (count - 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", choices=sorted(SETUPS), required=True)
    parser.add_argument("--phase", choices=["train", "eval", "all"], default="all")
    parser.add_argument("--steps", type=int, help="training steps (default: the setup's)")
    parser.add_argument("--minutes", type=float, help="training time limit (default: the setup's, if any)")
    add_sample_quality_options(parser, "runs/benchmarks/gan", CACHE)
    parser.add_argument("--earlier-wall-seconds", type=float, default=0.0,
                        help="with --resume: wall time the interrupted run spent up to that checkpoint (added to the total)")
    args = parser.parse_args()
    setup, run_dir = SETUPS[args.setup], Path(args.out) / args.setup
    started = time.perf_counter()
    if args.phase in ("train", "all"):
        print(json.dumps(train(setup, args, run_dir)))
    if args.phase == "train":
        return
    training = json.loads((run_dir / "benchmark_training.json").read_text())
    results = evaluate(setup, args, run_dir)
    for result in results:
        result.setdefault("protocol", {}).update(
            model=setup["model"], model_config=setup["overrides"], training_options=setup["train"],
            batch_size=setup["batch_size"], weights="EMA generator at the last step", **training)
    rows = [{"setup": args.setup, "metric": r["metric"], "value": r["value"],
             "train min": training["train_wall_seconds"] / 60, "img/s": training["train_images_per_second"]}
            for r in results]
    print_table(rows, ["setup", "metric", "value", "train min", "img/s"])
    for label, value in ANCHORS.get(args.setup, {}).items():
        print(f"anchor: {label}: FID {value}")
    path = write_results(f"gan_{args.setup}", results, time.perf_counter() - started,
                         {"anchors": ANCHORS.get(args.setup, {}), "target": setup.get("target"),
                          "target_accuracy": setup.get("target_accuracy")})
    print(f"written: {path}")


if __name__ == "__main__":
    main()
