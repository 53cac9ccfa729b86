"""Sampling speed of autoregressive models at 28×28: naive (rerun the network per pixel) vs fast
(cached activations, Ramachandran et al. 2017), side by side in one run. Target: fast >= 10x naive
on CPU.

Both methods draw from the same seeded generator and should give identical samples; the table says
whether they did and, if not, the fraction of drawn values that differ (the two methods compute the
same network output by different arithmetic, so a near-tie between two pixel values can fall either
way in float32: PixelCNN++'s logistic mixture divides by scales as small as e^-7). The models have
the benchmark's sizes (ar_benchmark.SETUPS; PixelCNN++: PIXELCNN_PP below, gray 256 levels) and
random weights (speed does not depend on training), or come from checkpoints with --checkpoint NAME=PATH.

    python benchmarks/ar_sampling_speed.py                                         # the benchmark
    python benchmarks/ar_sampling_speed.py --models pixelcnn --num-samples 2 --image-size 8 --results /tmp/ar-smoke
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pixelforge  # noqa: E402

from ar_benchmark import SETUPS  # noqa: E402
from common import RESULTS, print_table, write_results  # noqa: E402

TARGET_SPEEDUP = 10.0
PIXELCNN_PP = {"width": 32, "num_layers": 2, "num_scales": 3, "num_mixtures": 5}
SIZES = {**SETUPS, "pixelcnn_pp": PIXELCNN_PP}


def timed_sample(model, num_samples: int, method: str, seed: int) -> tuple[torch.Tensor, float]:
    started = time.perf_counter()
    samples = model.sample(num_samples, generator=pixelforge.make_generator(seed, model.device), method=method)
    return samples, time.perf_counter() - started


def measure(name: str, model, num_samples: int) -> dict:
    model.eval()
    timed_sample(model, 1, "fast", 0)                                  # warm-up (allocations, lazy init)
    fast, fast_seconds = timed_sample(model, num_samples, "fast", 1)
    naive, naive_seconds = timed_sample(model, num_samples, "naive", 1)
    return {"model": name, "image_size": model.config.image_size, "num_samples": num_samples,
            "naive_images_per_second": num_samples / naive_seconds, "fast_images_per_second": num_samples / fast_seconds,
            "naive_seconds": naive_seconds, "fast_seconds": fast_seconds, "speedup": naive_seconds / fast_seconds,
            "identical_samples": bool(torch.equal(fast, naive)),
            "differing_values": float((fast != naive).float().mean()),
            "model_config": {key: value for key, value in vars(model.config).items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="pixelcnn,gated_pixelcnn,row_lstm,diagonal_bilstm,pixelcnn_pp")
    parser.add_argument("--num-samples", type=int, default=16, help="images per sampling call (default: 16)")
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--checkpoint", action="append", default=[], metavar="NAME=PATH",
                        help="time a trained checkpoint instead of the randomly initialized NAME")
    parser.add_argument("--results", default=str(RESULTS), help="where the JSON goes (smoke runs: a tmp dir)")
    args = parser.parse_args()
    checkpoints = dict(pair.split("=", 1) for pair in args.checkpoint)
    started = time.perf_counter()
    results = []
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = (pixelforge.load(checkpoints[name]) if name in checkpoints
                 else pixelforge.create_model(name, image_size=args.image_size, **SIZES[name]))
        results.append(measure(name, model, args.num_samples))
        print(f"{name}: {results[-1]['speedup']:.1f}x", flush=True)
    print_table(results, ["model", "image_size", "num_samples", "naive_images_per_second", "fast_images_per_second",
                          "speedup", "identical_samples", "differing_values"])
    print(f"target: fast >= {TARGET_SPEEDUP:.0f}x naive")
    path = write_results("ar_sampling_speed", results, time.perf_counter() - started,
                         {"target_speedup": TARGET_SPEEDUP, "threads": torch.get_num_threads()},
                         directory=Path(args.results))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
