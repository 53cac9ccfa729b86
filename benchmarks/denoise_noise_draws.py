"""How much a denoising PSNR depends on the noise draw: benchmarks/denoise.py scores every method on
one fixed draw (seed 1000 + sigma); this scores pixelforge rows on other draws of the same sigma.

    python benchmarks/denoise_noise_draws.py [--set BSD68] [--sigma 25] [--seeds 7 8] [--threads 2]

Writes results/denoise_noise_draws.json (PSNR per seed, the benchmark's own seed included).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from common import print_table, write_results  # noqa: E402
from denoise import OURS, SETS, SIGMAS, noisy_set, run_method  # noqa: E402

DEFAULT_METHODS = ("pixelforge FFDNet-S25 (sigma-25 model)", "pixelforge FFDNet-S25 + self-ensemble")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", default="BSD68", choices=tuple(SETS))
    parser.add_argument("--sigma", type=int, default=25, choices=SIGMAS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7], help="noise seeds besides 1000 + sigma")
    parser.add_argument("--methods", nargs="+", choices=tuple(OURS), default=list(DEFAULT_METHODS))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows, start = [], time.monotonic()
    for seed in [1000 + args.sigma, *args.seeds]:
        clean, noisy = noisy_set(args.set, args.sigma, seed)
        for method in args.methods:
            row = run_method(method, clean, noisy, args.sigma)
            rows.append({"set": args.set, "sigma": args.sigma, "seed": seed, **row})
            print_table(rows[-1:], ["set", "sigma", "seed", "method", "psnr", "ssim", "num_images"])
    print_table(rows, ["set", "sigma", "seed", "method", "psnr", "ssim", "num_images"])
    write_results("denoise_noise_draws", rows, time.monotonic() - start, extra={
        "protocol": f"as benchmarks/denoise.py, but the noise generator seeded with each listed seed ({1000 + args.sigma} "
                    "is the benchmark's own draw); cpu_ms_per_megapixel with "
                    f"{args.threads} torch thread(s)"})


if __name__ == "__main__":
    main()
