"""DCGAN training speed: the pixelforge trainer vs a plain minimal loop, side by side in one run.

Both train the same networks (pixelforge's DCGAN generator and discriminator for 28×28 MNIST,
width 64, latent 64) with the same batch (64), Adam(2e-4, betas 0.5/0.999) and non-saturating
loss. The plain loop is written the way pytorch/examples' dcgan/main.py is: D on a real batch,
G's fakes (detached) for D, then G through D on the same fakes; no logging, checks or EMA.
The runs alternate (plain, trainer, plain, trainer, ...) so that load on the machine hits
both alike; the median images/s of each is reported. Target: trainer / plain >= 1.0.
Each trainer variant (channels_last, bf16, compile) also reports its steady rate, the median
of its 50-step log windows after the first, which leaves out compile's one-off compilation.

    python benchmarks/gan_speed.py --steps 300 --repeats 3 --variants channels_last,bf16,compile
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


def plain_loop(images: torch.Tensor, steps: int, seed: int = 0) -> float:
    """images/s of a minimal DCGAN loop over `images` (uint8 N×1×28×28)."""
    torch.manual_seed(seed)
    gan = pixelforge.create_model("dcgan", **MODEL)
    net_g, net_d = gan.generator_network, gan.discriminator_network
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    order = torch.randperm(images.shape[0])
    started = time.perf_counter()
    for step in range(steps):
        index = order[(step * BATCH) % (len(order) - BATCH):][:BATCH]
        real = to_float(images[index])
        net_d.zero_grad()
        out_real = net_d(real)
        err_real = F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
        err_real.backward()
        noise = torch.randn(BATCH, MODEL["latent_dim"])
        fake = net_g(noise)
        out_fake = net_d(fake.detach())
        err_fake = F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake))
        err_fake.backward()
        opt_d.step()
        net_g.zero_grad()
        out = net_d(fake)
        err_g = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        err_g.backward()
        opt_g.step()
    return steps * BATCH / (time.perf_counter() - started)


def trainer_run(dataset, steps: int, **options) -> tuple[float, float]:
    """(images/s over the whole run, median images/s of the 50-step log windows after the first):
    the second leaves out one-off costs such as torch.compile's compilation."""
    config = TrainConfig(steps=steps, batch_size=BATCH, sample_every=0, checkpoint_every=0, log_every=50,
                         **options)
    with tempfile.TemporaryDirectory() as folder:
        result = pixelforge.train("dcgan", "embedded-mnist", folder, config, MODEL, dataset=dataset)
        lines = (Path(folder) / "metrics.jsonl").read_text().splitlines()
    windows = [json.loads(line)["images_per_second"] for line in lines][1:]
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
    plain, trainer, steady = [], [], []
    for _ in range(args.repeats):
        plain.append(plain_loop(dataset.images, args.steps))
        overall, window = trainer_run(dataset, args.steps)
        trainer.append(overall)
        steady.append(window)
        print(f"plain {plain[-1]:.0f} img/s, trainer {trainer[-1]:.0f} img/s", flush=True)
    rows = [{"run": "plain loop (pytorch/examples style)", "images_per_second": statistics.median(plain),
             "all": plain},
            {"run": "pixelforge trainer, fp32", "images_per_second": statistics.median(trainer), "all": trainer,
             "steady_images_per_second": statistics.median(steady)}]
    options = {"channels_last": {"channels_last": True}, "bf16": {"precision": "bf16"}, "compile": {"compile": True}}
    for variant in filter(None, args.variants.split(",")):
        overall, window = trainer_run(dataset, args.steps, **options[variant])
        rows.append({"run": f"pixelforge trainer, {variant}", "images_per_second": overall, "all": [overall],
                     "steady_images_per_second": window})
    for row in rows:
        row["ratio_to_plain"] = row["images_per_second"] / rows[0]["images_per_second"]
        if "steady_images_per_second" in row:
            row["steady_ratio_to_fp32_trainer"] = row["steady_images_per_second"] / rows[1]["steady_images_per_second"]
    print_table(rows, ["run", "images_per_second", "ratio_to_plain", "steady_images_per_second",
                       "steady_ratio_to_fp32_trainer"])
    write_results("gan_speed", rows, time.perf_counter() - started,
                  {"model": "dcgan", "model_config": MODEL, "batch_size": BATCH, "steps_per_run": args.steps,
                   "target_ratio": 1.0})


if __name__ == "__main__":
    main()
