"""Colorization: train the shipped colorizer, then evaluate it on CBSD68.

    python benchmarks/colorize.py train   # -> pixelforge/weights/colorize_cifar_t91 (resumable run in benchmarks/cache)
    python benchmarks/colorize.py validate   # working size vs PSNR on Kodak24 -> colorize_working_size.json
    python benchmarks/colorize.py eval    # -> benchmarks/results/colorize.json + colorize_examples.png

Training data: CIFAR-10 train (50,000 32x32 images) and random 32x32 crops of T91 downscaled to
1/4..1/2 (so objects span tens of pixels, as in CIFAR), with horizontal flips; 3/4 of each batch
CIFAR, 1/4 T91. Loss: L1 on Lab ab (L from the image). Evaluation: CBSD68 (68 images, never
used in training). Each colour image is reduced to BT.601 gray (Pillow's "L"); the baseline is
that gray copied to R, G and B; the network colorizes the same gray. PSNR on RGB (0..255) and
Hasler & Süsstrunk colourfulness against the ground truth's. The network sees the gray image
resized to a short side of `--working-size` pixels and its chroma is upsampled to full size; that
size is chosen by `validate` on Kodak24 (never trained on, and not the test set).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, print_table, write_results  # noqa: E402
from pixelforge.data.cifar import read_cifar_tar  # noqa: E402
from pixelforge.edit.colorize import colorize, colourfulness, load_colorizer, rgb_to_lab  # noqa: E402
from pixelforge.edit.colorize.colorize import WORKING_SIZE  # noqa: E402
from pixelforge.images import IMAGE_SUFFIXES, make_grid, read_image_uint8, to_float  # noqa: E402
from pixelforge.metrics.restoration import psnr  # noqa: E402
from pixelforge.models.colorizer import Colorizer, ColorizerConfig  # noqa: E402
from pixelforge.models.pretrained import load_training_state, save_pretrained, save_training_state  # noqa: E402

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
WEIGHTS = Path(__file__).resolve().parents[1] / "pixelforge" / "weights" / "colorize_cifar_t91"
RUN = Path(__file__).resolve().parent / "cache" / "colorize_run"
CROP = 32


def _images(folder: Path) -> list[torch.Tensor]:
    return [read_image_uint8(p, channels=3) for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]


def _t91_crop(image: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """uint8 (3, H, W) -> float (3, CROP, CROP) in [0, 1]: downscale by 1/4..1/2, random crop, maybe flip."""
    scale = 0.25 + 0.25 * float(torch.rand((), generator=generator))
    height, width = image.shape[-2:]
    size = (max(CROP, round(height * scale)), max(CROP, round(width * scale)))
    small = F.interpolate(image[None].float() / 255, size=size, mode="bilinear", antialias=True)[0]
    top = int(torch.randint(0, size[0] - CROP + 1, (), generator=generator))
    left = int(torch.randint(0, size[1] - CROP + 1, (), generator=generator))
    crop = small[:, top:top + CROP, left:left + CROP]
    return crop.flip(-1) if float(torch.rand((), generator=generator)) < 0.5 else crop


def _batch(cifar: torch.Tensor, t91: list[torch.Tensor], batch_size: int, seed: int, step: int) -> torch.Tensor:
    """The batch of `step`, a function of (seed, step) only, so a resumed run sees the same data."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    num_t91 = batch_size // 4
    index = torch.randint(0, len(cifar), (batch_size - num_t91,), generator=generator)
    flips = torch.rand(len(index), generator=generator) < 0.5
    pictures = cifar[index].float() / 255
    pictures[flips] = pictures[flips].flip(-1)
    crops = [_t91_crop(t91[int(torch.randint(0, len(t91), (), generator=generator))], generator)
             for _ in range(num_t91)]
    return torch.cat([pictures, torch.stack(crops)]).clamp(0, 1)


def train(args: argparse.Namespace) -> None:
    torch.manual_seed(args.seed)
    model = Colorizer(ColorizerConfig(width=args.width))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    state = load_training_state(RUN, model, optimizer)
    start, elapsed = state.get("step", 0), state.get("train_seconds", 0.0)
    print(f"resuming at step {start}" if start else "starting", flush=True)
    cifar = torch.from_numpy(read_cifar_tar(DATASETS / "CIFAR10" / "cifar-10-python.tar.xz", "train")[0])
    t91 = _images(DATASETS / "restoration" / "T91")
    model.train()
    clock, losses = time.perf_counter(), []
    for step in range(start, args.steps):
        for group in optimizer.param_groups:  # cosine decay to 0 over args.steps
            group["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        lab = rgb_to_lab(_batch(cifar, t91, args.batch_size, args.seed, step))
        loss = model.loss(lab[:, :1], lab[:, 1:])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            seconds = elapsed + time.perf_counter() - clock
            print(f"step {step + 1} loss {np.mean(losses):.4f} ({seconds:.0f} s)", flush=True)
            save_training_state(RUN, step + 1, model, optimizer,
                                {"train_seconds": seconds, "loss": float(np.mean(losses))})
            losses = []
    seconds = elapsed + time.perf_counter() - clock
    provenance = {"command": "python benchmarks/colorize.py " + " ".join(sys.argv[1:]), "steps": args.steps,
                  "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
                  "data": "CIFAR-10 train (50,000) + T91 crops (32 px at 1/4..1/2 scale)",
                  "loss": "L1 on Lab ab / 50", "train_seconds": round(seconds, 1),
                  "device": "cpu, 1 thread, shared with other jobs"}
    save_pretrained(model, WEIGHTS, "colorizer", provenance)
    print(f"saved {WEIGHTS} after {seconds:.0f} s")


def _mean_psnr(model, pairs: list[tuple[torch.Tensor, torch.Tensor]], working_size: int | None) -> float:
    """Mean RGB PSNR of the colorized gray images against their colour originals (gray, truth)."""
    return float(np.mean([psnr(colorize(model, gray[None], working_size=working_size)[0], truth)["value"]
                          for gray, truth in pairs]))


def _shown(folder: str | Path) -> str:
    """A weights folder as the results name it: relative to the repository when inside it."""
    path, root = Path(folder).resolve(), Path(__file__).resolve().parents[1]
    return str(path.relative_to(root)) if root in path.parents else str(path)


def validate(args: argparse.Namespace) -> None:
    """PSNR against the working size on Kodak24, a validation set: never trained on, and not the
    CBSD68 test set, so that the size used for the CBSD68 result is not chosen on it."""
    model = load_colorizer(args.weights)
    folder = DATASETS / "restoration" / "Kodak24"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[: args.limit]
    clock = time.perf_counter()
    pairs = [(to_float(read_image_uint8(f, channels=1)), to_float(read_image_uint8(f, channels=3))) for f in files]
    gray = float(np.mean([psnr(gray.expand(3, -1, -1), truth)["value"] for gray, truth in pairs]))
    rows = [{"working_size": size, "psnr_rgb_db": _mean_psnr(model, pairs, size), "gray_copy_psnr_db": gray}
            for size in args.sweep]
    print_table(rows, ["working_size", "psnr_rgb_db", "gray_copy_psnr_db"])
    best = max(rows, key=lambda row: row["psnr_rgb_db"])
    print(f"best working size on Kodak24: {best['working_size']}")
    write_results("colorize_working_size", rows, time.perf_counter() - clock, {
        "protocol": "Kodak24 (24 images, validation only), gray = BT.601 lightness, RGB PSNR (0..255)",
        "weights": _shown(args.weights), "best_working_size": best["working_size"]})


def evaluate(args: argparse.Namespace) -> None:
    model = load_colorizer(args.weights)
    folder = DATASETS / "restoration" / "CBSD68"
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)[: args.limit]
    rows = {"gray copied to RGB": [], "colorizer": []}
    colourful = {"ground truth": [], "gray copied to RGB": [], "colorizer": []}
    examples, seconds = [], 0.0
    for index, file in enumerate(files):
        truth = to_float(read_image_uint8(file, channels=3))
        gray = to_float(read_image_uint8(file, channels=1))
        clock = time.perf_counter()
        colour = colorize(model, gray[None], working_size=args.working_size)[0]
        seconds += time.perf_counter() - clock
        baseline = gray.expand(3, -1, -1)
        for name, image in (("gray copied to RGB", baseline), ("colorizer", colour)):
            rows[name].append(psnr(image, truth)["value"])
            colourful[name].append(colourfulness(image))
        colourful["ground truth"].append(colourfulness(truth))
        if index < args.examples:
            crop = (slice(None), slice(0, 320), slice(0, 320))
            examples += [baseline[crop], colour[crop], truth[crop]]
    results = [{"method": name, "psnr_rgb_db": float(np.mean(values)),
                "colourfulness": float(np.mean(colourful[name])),
                "ground_truth_colourfulness": float(np.mean(colourful["ground truth"]))}
               for name, values in rows.items()]
    print_table(results, ["method", "psnr_rgb_db", "colourfulness", "ground_truth_colourfulness"])
    grid = make_grid(torch.stack(examples), nrow=3)
    from PIL import Image
    Image.fromarray(grid).save(RESULTS / "colorize_examples.png")
    config = json.loads((Path(args.weights) / "config.json").read_text())
    write_results("colorize", results, seconds, {
        "protocol": __doc__.strip(), "num_images": len(files), "seconds_per_image": seconds / len(files),
        "examples": "benchmarks/results/colorize_examples.png (columns: gray input | colorizer | ground truth; "
                    "top-left 320x320 of the first CBSD68 images)",
        "weights": _shown(args.weights), "weights_config": config, "working_size": args.working_size,
        "training_wall_s": config["provenance"].get("train_seconds"),
        "cpu_note": "2-core CPU shared with other benchmark and training processes (load ~9 during training); "
                    "training ran with 1 torch thread"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=("train", "validate", "eval"))
    parser.add_argument("--steps", type=int, default=700)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--limit", type=int, default=None, help="evaluate on the first N CBSD68 images only")
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--weights", default=str(WEIGHTS), help="validate/eval: colorizer weights folder")
    parser.add_argument("--working-size", type=int, default=WORKING_SIZE,
                        help="eval: short side the network sees (chosen by `validate` on Kodak24)")
    parser.add_argument("--sweep", type=lambda text: [int(v) for v in text.split(",")], default=[32, 64, 96, 128, 192],
                        help="validate: working sizes to compare")
    args = parser.parse_args()
    {"train": train, "validate": validate, "eval": evaluate}[args.phase](args)


if __name__ == "__main__":
    main()
