"""Diffusion benchmarks: Inception FID (10k samples vs the 10k test set), domain FID, the bits/dim
bound on the test set, and FID against the number of DDIM steps with sampling speed.

Anchors: Lucic et al. 2018 best GAN FID: MNIST 6.7, Fashion-MNIST 21.5; Ho et al. 2020 (DDPM): CIFAR-10
FID 3.17 and NLL <= 3.70 bits/dim (L_simple) after 800k steps. Targets: MNIST <= 5, Fashion-MNIST <= 15,
CIFAR-10 <= 10 with a GPU.

    python benchmarks/diffusion_benchmark.py --setup mnist --phase train --data-root ../shared/datasets
    python benchmarks/diffusion_benchmark.py --setup mnist --phase eval --data-root ../shared/datasets
    python benchmarks/diffusion_benchmark.py --setup cifar10 --device cuda --data-root ../shared/datasets
    python benchmarks/diffusion_benchmark.py --setup mnist --steps 20 --num-samples 50 --num-real 50 \\
        --sweep 2,3 --bound-images 8 --bound-timesteps 10 --out /tmp/smoke --results /tmp/smoke  # smoke run

`--minutes M` stops training after M minutes (checkpointing first) instead of after --steps.
The evaluated weights are the EMA weights at the last step. FID uses DDIM (eta 0) with
--fid-steps steps; the domain FID (28x28 sets) is computed on the same samples. The sweep
repeats FID for each of --sweep steps with --sweep-samples samples and times the sampling, for each
of --sweep-samplers (ddim; ddim,dpm++ adds DPM-Solver++(2M) as a second line of the plot).
`--phase eval` does both; `--phase fid` and `--phase sweep` do one each (run them as two
processes on two cores); they write diffusion_<setup>.json and diffusion_<setup>_ddim_steps.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

import pixelforge  # noqa: E402
from pixelforge import DataConfig, TrainConfig  # noqa: E402
from pixelforge.images import save_image_grid  # noqa: E402
from pixelforge.metrics import compute_fid, evaluate_nll  # noqa: E402
from pixelforge.metrics.domain import compute_domain_fid  # noqa: E402
from pixelforge.metrics.feature_sets import compute_features  # noqa: E402
from pixelforge.metrics.features import default_extractor  # noqa: E402
from pixelforge.metrics.reference import reference_features  # noqa: E402

from common import RESULTS, add_sample_quality_options, print_table, write_results  # noqa: E402

CACHE = Path(__file__).resolve().parent / "cache"
ANCHORS = {"mnist": {"Lucic et al. 2018 best GAN (WGAN)": 6.7}, "mnist-cpu": {"Lucic et al. 2018 best GAN (WGAN)": 6.7},
           "fashion-mnist": {"Lucic et al. 2018 best GAN (WGAN)": 21.5},
           "cifar10": {"Ho et al. 2020 DDPM (800k steps)": 3.17}}
GRAY = {"width": 64, "channel_multipliers": "1,2,2", "blocks_per_level": 2, "attention_below": 7, "dropout": 0.1}
SETUPS = {
    "mnist": {"dataset": "mnist", "steps": 40_000, "batch_size": 128, "overrides": GRAY, "augment": "none",
              "target": 5.0},
    # CPU: a quarter of the compute per image (width 32); train it with --minutes (e.g. 120).
    "mnist-cpu": {"dataset": "mnist", "steps": 20_000, "batch_size": 64, "augment": "none", "target": 5.0,
                  "overrides": {**GRAY, "width": 32}},
    "fashion-mnist": {"dataset": "fashion-mnist", "steps": 60_000, "batch_size": 128, "overrides": GRAY,
                      "augment": "none", "target": 15.0},
    "cifar10": {"dataset": "cifar10", "steps": 200_000, "batch_size": 128, "augment": "flip", "target": 10.0,
                "overrides": {"width": 128, "channel_multipliers": "1,2,2,2", "blocks_per_level": 2,
                              "attention_below": 16, "dropout": 0.1}},
}
TRAIN = {"ema_decay": 0.9999, "learning_rate": 2e-4, "warmup_steps": 1000, "grad_clip": 1.0}


class BudgetReached(Exception):
    """Raised by the time-budget callback after it wrote the checkpoint."""


def time_budget(minutes: float):
    started = time.perf_counter()

    def stop_when_spent(trainer, step: int) -> None:
        if time.perf_counter() - started > 60 * minutes:
            trainer.save_checkpoint()
            raise BudgetReached(step)
    return stop_when_spent


def train(setup: dict, args, run_dir: Path) -> dict:
    steps = args.steps or setup["steps"]
    settings = {**TRAIN, "warmup_steps": min(TRAIN["warmup_steps"], steps // 10)}
    config = TrainConfig(steps=steps, batch_size=args.batch_size or setup["batch_size"], log_every=100,
                         sample_every=max(steps // 10, 1), checkpoint_every=max(steps // 20, 1), seed=0,
                         device=args.device, precision=args.precision, **settings)
    data = DataConfig(source=args.source or setup["dataset"], split="train", data_root=args.data_root,
                      augment=setup["augment"])
    callbacks = [time_budget(args.minutes)] if args.minutes else []
    started = time.perf_counter()
    try:
        result = pixelforge.train("ddpm", data, run_dir, config, setup["overrides"], resume=args.resume,
                                  callbacks=callbacks, init_from=args.init_from)
        done, losses = result.steps, result.final_losses
    except BudgetReached as stop:
        done, losses = int(str(stop)), {}
    wall = time.perf_counter() - started
    summary = {"steps": done, "planned_steps": steps, "minutes_budget": args.minutes, "train_wall_seconds": round(wall, 1),
               "steps_per_second": round(done / wall, 3) if not args.resume else None,
               "batch_size": config.batch_size, "training_options": settings, "final_losses": losses,
               "init_from": args.init_from}
    (run_dir / "benchmark_training.json").write_text(json.dumps(summary, indent=2))
    return summary


def sample_with(model, count: int, steps: int, batch_size: int, seed: int = 0, sampler: str = "ddim"):
    """`count` samples in batches (DDIM with eta 0, or DPM-Solver++), float32 in [-1, 1]."""
    generator = pixelforge.make_generator(seed, model.device)
    for start in range(0, count, batch_size):
        yield model.sample(min(batch_size, count - start), generator=generator, sampler=sampler, steps=steps, eta=0.0)


def fid_at(model, real, extractor, count: int, steps: int, batch_size: int,
           sampler: str = "ddim") -> tuple[dict, torch.Tensor]:
    """(FID of `count` samples at `steps` steps, the samples); sampling is timed apart from the features."""
    started = time.perf_counter()
    images = torch.cat(list(sample_with(model, count, steps, batch_size, sampler=sampler)))
    if images.is_cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    fake = compute_features(iter(images.split(100)), extractor, limit=count, progress=False)
    fake.description["source"] = f"DDIM {steps} steps, eta 0" if sampler == "ddim" else f"{sampler} {steps} steps"
    result = compute_fid(real, fake)
    result["protocol"]["sampling"] = {"sampler": sampler, "steps": steps, "num_samples": count, "seed": 0,
                                      "batch_size": batch_size, **({"eta": 0.0} if sampler == "ddim" else {})}
    result["sampling_images_per_second"] = count / seconds
    return result, images


def plot_sweep(rows: list[dict], path: Path, title: str) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, left = plt.subplots(figsize=(6, 4))
    right = left.twinx()
    samplers = list(dict.fromkeys(row.get("sampler", "ddim") for row in rows))
    for sampler, line in zip(samplers, ("-", ":")):
        mine = [row for row in rows if row.get("sampler", "ddim") == sampler]
        steps = [row["steps"] for row in mine]
        name = "DDIM (eta 0)" if sampler == "ddim" else "DPM-Solver++(2M)" if sampler == "dpm++" else sampler
        left.plot(steps, [row["fid"] for row in mine], "o" + line, color="tab:blue", label=f"FID, {name}")
        right.plot(steps, [row["images_per_second"] for row in mine], "s" + line, color="tab:orange",
                   label=f"images/s, {name}")
    left.set_xscale("log")
    left.set_xlabel("sampling steps")
    left.set_ylabel("Inception FID", color="tab:blue")
    right.set_yscale("log")
    right.set_ylabel("sampling images/s", color="tab:orange")
    if len(samplers) > 1:
        handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        left.legend(handles=handles, fontsize=7, loc="upper center")
    left.set_title(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path


def load_for_eval(setup: dict, args, run_dir: Path):
    model = pixelforge.load(run_dir, device=pixelforge.choose_device(args.device)).eval()
    model.config = dataclasses.replace(model.config, sampler="ddim", sampling_steps=args.fid_steps, eta=0.0,
                                       bound_timesteps=args.bound_timesteps)
    test = pixelforge.load_dataset(args.source or setup["dataset"], split="test", data_root=args.data_root)
    extractor = default_extractor(device=model.device)
    real = reference_features(test, extractor=extractor, cache_dir=args.cache_dir,
                              num_images=min(args.num_real, len(test)), device=model.device)
    return model, test, extractor, real


def evaluate_fid(setup: dict, args, run_dir: Path, results_dir: Path) -> list[dict]:
    """Headline Inception FID, the domain FID of the same samples (28x28 gray) and the bits/dim bound."""
    model, test, extractor, real = load_for_eval(setup, args, run_dir)
    grid = torch.cat(list(sample_with(model, 100, args.fid_steps, 100, seed=1)))
    save_image_grid(grid.cpu(), results_dir / f"diffusion_{args.setup}_samples.png", nrow=10)
    headline, samples = fid_at(model, real, extractor, args.num_samples, args.fid_steps, args.batch)
    results = [headline]
    if (model.config.channels, model.config.image_size) == (1, 28):
        domain = "fashion-mnist" if setup["dataset"] == "fashion-mnist" else "mnist"
        count = min(args.num_real, len(test))
        domain_fid = compute_domain_fid(test.batch(torch.arange(count))[0], samples, domain)
        domain_fid["protocol"]["sampling"] = dict(headline["protocol"]["sampling"], note="the headline FID's samples")
        results.append(domain_fid)
    results.append(evaluate_nll(model, test, limit=args.bound_images, batch_size=args.batch))
    return results


def evaluate_sweep(setup: dict, args, run_dir: Path, results_dir: Path) -> list[dict]:
    """FID and sampling speed at each of --sweep step counts for each of --sweep-samplers, and the plot."""
    model, _, extractor, real = load_for_eval(setup, args, run_dir)
    sweep = []
    for sampler, steps in ((sampler, steps) for sampler in args.sweep_samplers for steps in args.sweep):
        result, _ = fid_at(model, real, extractor, args.sweep_samples, steps, args.batch, sampler)
        sweep.append({"sampler": sampler, "steps": steps, "fid": result["value"], "images_per_second": result["sampling_images_per_second"],
                      "num_samples": args.sweep_samples, "num_real": len(real), "protocol": result["protocol"]})
        print(json.dumps({key: value for key, value in sweep[-1].items() if key != "protocol"}), flush=True)
    plot_sweep(sweep, results_dir / f"diffusion_{args.setup}_fid_vs_steps.png",
               f"DDPM on {setup['dataset']}: FID ({args.sweep_samples} samples) and speed vs steps")
    return sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setup", choices=sorted(SETUPS), required=True)
    parser.add_argument("--phase", choices=["train", "eval", "fid", "sweep", "all"], default="all")
    parser.add_argument("--steps", type=int, help="training steps (default: the setup's)")
    parser.add_argument("--minutes", type=float, help="stop training after this many minutes (checkpointed)")
    parser.add_argument("--batch-size", type=int, help="training batch (default: the setup's)")
    parser.add_argument("--init-from", metavar="WEIGHTS", help="train: start from these weights (e.g. the shipped "
                        "pixelforge/weights/ddpm_mnist) with a fresh optimizer and schedule: more training")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"], help="bf16 on a GPU")
    parser.add_argument("--fid-steps", type=int, default=100, help="DDIM steps of the headline FID")
    parser.add_argument("--sweep", type=lambda text: [int(v) for v in text.split(",")], default=[10, 25, 50, 100, 250])
    parser.add_argument("--sweep-samplers", type=lambda text: text.split(","), default=["ddim"],
                        help="samplers of the sweep, e.g. ddim,dpm++ (default: ddim)")
    parser.add_argument("--sweep-samples", type=int, default=10_000, help="samples per sweep point (FID is "
                        "biased upwards below 10k: compare sweep points with each other, not with the headline)")
    parser.add_argument("--bound-images", type=int, help="test images for the bits/dim bound (default: all)")
    parser.add_argument("--bound-timesteps", type=int, default=0, help="KL terms per image: 0 = all T (exact bound)")
    parser.add_argument("--batch", type=int, default=500, help="sampling / bound batch size")
    add_sample_quality_options(parser, "runs/benchmarks/diffusion", CACHE)
    parser.add_argument("--results", default=str(RESULTS), help="JSON and PNG folder (a tmp folder for smoke runs)")
    args = parser.parse_args()
    setup, run_dir, results_dir = SETUPS[args.setup], Path(args.out) / args.setup, Path(args.results)
    started = time.perf_counter()
    if args.phase in ("train", "all"):
        print(json.dumps(train(setup, args, run_dir)))
    if args.phase == "train":
        return
    training = json.loads((run_dir / "benchmark_training.json").read_text())
    protocol = {"model": "ddpm", "model_config": setup["overrides"], "weights": "EMA at the last step",
                "training": training}
    if args.phase in ("eval", "all", "fid"):
        results = evaluate_fid(setup, args, run_dir, results_dir)
        for result in results:
            result.setdefault("protocol", {}).update(protocol)
        rows = [{"setup": args.setup, "metric": r["metric"], "value": r["value"], "bits/dim": r.get("bits_per_dim"),
                 "train min": training["train_wall_seconds"] / 60, "steps": training["steps"]} for r in results]
        print_table(rows, ["setup", "metric", "value", "bits/dim", "train min", "steps"])
        path = write_results(f"diffusion_{args.setup}", results, time.perf_counter() - started,
                             {"anchors": ANCHORS[args.setup], "target": setup["target"]}, directory=results_dir)
        print(f"written: {path}")
        started = time.perf_counter()
    if args.phase in ("eval", "all", "sweep"):
        sweep = evaluate_sweep(setup, args, run_dir, results_dir)
        print_table(sweep, ["sampler", "steps", "fid", "images_per_second", "num_samples"])
        path = write_results(f"diffusion_{args.setup}_ddim_steps", sweep, time.perf_counter() - started,
                             {"model_protocol": protocol}, directory=results_dir)
        print(f"written: {path}")


if __name__ == "__main__":
    main()
