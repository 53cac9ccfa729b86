"""DCGAN training speed: the pixelforge trainer vs a plain minimal loop, side by side in one run.

Both train the same networks (pixelforge's DCGAN generator and discriminator for 28×28 MNIST,
width 64, latent 64) with the same batch (64), Adam(2e-4, betas 0.5/0.999) and non-saturating
loss. The plain loop is written the way pytorch/examples' dcgan/main.py is: D on a real batch,
G's fakes (detached) for D, then G through D on the same fakes; no logging, checks or EMA.
It computes D's weight gradients in the G step too (and throws them away at the next
zero_grad); the trainer's GAN freezes D's weights for the G step, so it never computes them.

Two measurements, both reported:
1. interleaved (the headline): one `pixelforge.train` run whose step callback runs one step of
   the plain loop after every trainer step, so the two alternate step by step under the same
   machine load. The trainer's time per step is everything `fit` does between two callbacks
   (the step, logging, health checks, the progress bar); the plain loop's is its step. Rates
   are batch / mean step time over the steps after the first 20 (warm-up).
2. whole runs: separate runs alternating (plain, trainer, plain, ...), the median images/s of
   each, including the trainer's set-up, final sample grid and checkpoint.
Target: trainer / plain >= 1.0. Each trainer variant (channels_last, bf16, compile) also reports
its steady rate, the median of its 50-step log windows after the first, which leaves out
compile's one-off compilation.

    python benchmarks/gan_speed.py --steps 300 --repeats 5 --variants channels_last,bf16,compile
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import pixelforge  # noqa: E402
from pixelforge import TrainConfig  # noqa: E402
from pixelforge.images import to_float  # noqa: E402

from common import print_table, write_results  # noqa: E402

MODEL = {"width": 64, "latent_dim": 64}
BATCH = 64


class PlainDCGAN:
    """A minimal DCGAN loop over `images` (uint8 N×1×28×28), one `step` at a time."""

    def __init__(self, images: torch.Tensor, seed: int = 0) -> None:
        torch.manual_seed(seed)
        gan = pixelforge.create_model("dcgan", **MODEL)
        self.net_g, self.net_d = gan.generator_network, gan.discriminator_network
        self.opt_d = torch.optim.Adam(self.net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.images, self.order = images, torch.randperm(images.shape[0])

    def step(self, step: int) -> None:
        net_g, net_d = self.net_g, self.net_d
        index = self.order[(step * BATCH) % (len(self.order) - BATCH):][:BATCH]
        real = to_float(self.images[index])
        net_d.zero_grad()
        out_real = net_d(real)
        err_real = F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
        err_real.backward()
        noise = torch.randn(BATCH, MODEL["latent_dim"])
        fake = net_g(noise)
        out_fake = net_d(fake.detach())
        err_fake = F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake))
        err_fake.backward()
        self.opt_d.step()
        net_g.zero_grad()
        out = net_d(fake)
        err_g = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        err_g.backward()
        self.opt_g.step()


def plain_loop(images: torch.Tensor, steps: int, seed: int = 0) -> float:
    """images/s of a whole run of the minimal DCGAN loop."""
    loop = PlainDCGAN(images, seed)
    started = time.perf_counter()
    for step in range(steps):
        loop.step(step)
    return steps * BATCH / (time.perf_counter() - started)


class Interleave:
    """A trainer step callback that runs one plain-loop step after every trainer step and times both."""

    WARMUP = 20

    def __init__(self, plain: PlainDCGAN) -> None:
        self.plain, self.trainer_seconds, self.plain_seconds, self.mark = plain, [], [], None

    def __call__(self, trainer, step: int) -> None:
        now = time.perf_counter()
        if self.mark is not None:
            self.trainer_seconds.append(now - self.mark)
        self.plain.step(step)
        self.plain_seconds.append(time.perf_counter() - now)
        self.mark = time.perf_counter()

    def rates(self) -> tuple[float, float]:
        """(plain, trainer) images/s: batch / mean step time after the warm-up."""
        return (BATCH / statistics.mean(self.plain_seconds[self.WARMUP:]),
                BATCH / statistics.mean(self.trainer_seconds[self.WARMUP:]))


def interleaved(dataset, steps: int) -> tuple[float, float]:
    interleave = Interleave(PlainDCGAN(dataset.images))
    config = TrainConfig(steps=steps, batch_size=BATCH, sample_every=0, checkpoint_every=0, log_every=50)
    with tempfile.TemporaryDirectory() as folder:
        pixelforge.train("dcgan", "embedded-mnist", folder, config, MODEL, dataset=dataset, callbacks=[interleave])
    return interleave.rates()


def trainer_run(dataset, steps: int, **options) -> tuple[float, float]:
    """(images/s over the whole run, median images/s of the 50-step log windows after the first):
    the second leaves out one-off costs such as torch.compile's compilation."""
    config = TrainConfig(steps=steps, batch_size=BATCH, sample_every=0, checkpoint_every=0, log_every=50,
                         **options)
    with tempfile.TemporaryDirectory() as folder:
        result = pixelforge.train("dcgan", "embedded-mnist", folder, config, MODEL, dataset=dataset)
        lines = (Path(folder) / "metrics.jsonl").read_text().splitlines()
    windows = [json.loads(line)["images_per_second"] for line in lines]
    windows = windows[1:] or windows   # a run shorter than two windows has only the first
    return result.images_per_second, statistics.median(windows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", default="channels_last,bf16",
                        help="extra trainer variants, measured once each: channels_last, bf16, compile")
    args = parser.parse_args()
    started = time.perf_counter()
    dataset = pixelforge.load_dataset("embedded-mnist")
    plain_steps, trainer_steps = interleaved(dataset, 2 * args.steps)
    print(f"interleaved: plain {plain_steps:.0f} img/s, trainer {trainer_steps:.0f} img/s", flush=True)
    plain, trainer, steady = [], [], []
    for _ in range(args.repeats):
        plain.append(plain_loop(dataset.images, args.steps))
        overall, window = trainer_run(dataset, args.steps)
        trainer.append(overall)
        steady.append(window)
        print(f"plain {plain[-1]:.0f} img/s, trainer {trainer[-1]:.0f} img/s", flush=True)
    rows = [{"run": "interleaved: plain loop steps", "images_per_second": plain_steps},
            {"run": "interleaved: pixelforge trainer steps", "images_per_second": trainer_steps,
             "ratio_to_plain": trainer_steps / plain_steps},
            {"run": "plain loop (pytorch/examples style)", "images_per_second": statistics.median(plain),
             "all": plain},
            {"run": "pixelforge trainer, fp32", "images_per_second": statistics.median(trainer), "all": trainer,
             "steady_images_per_second": statistics.median(steady)}]
    options = {"channels_last": {"channels_last": True}, "bf16": {"precision": "bf16"}, "compile": {"compile": True}}
    for variant in filter(None, args.variants.split(",")):
        overall, window = trainer_run(dataset, args.steps, **options[variant])
        rows.append({"run": f"pixelforge trainer, {variant}", "images_per_second": overall, "all": [overall],
                     "steady_images_per_second": window})
    whole = rows[2:]
    for row in whole:
        row["ratio_to_plain"] = row["images_per_second"] / whole[0]["images_per_second"]
        if "steady_images_per_second" in row:
            row["steady_ratio_to_fp32_trainer"] = row["steady_images_per_second"] / whole[1]["steady_images_per_second"]
    print_table(rows, ["run", "images_per_second", "ratio_to_plain", "steady_images_per_second",
                       "steady_ratio_to_fp32_trainer"])
    write_results("gan_speed", rows, time.perf_counter() - started,
                  {"model": "dcgan", "model_config": MODEL, "batch_size": BATCH, "steps_per_run": args.steps,
                   "interleaved_steps": 2 * args.steps, "interleaved_ratio": trainer_steps / plain_steps,
                   "whole_run_ratio": whole[1]["ratio_to_plain"], "target_ratio": 1.0})


if __name__ == "__main__":
    main()
