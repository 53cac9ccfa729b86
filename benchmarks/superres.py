"""Super-resolution x2/x3/x4: MATLAB bicubic vs pixelforge's two networks vs paper anchors.

    python benchmarks/superres.py --train --network edsr [--resume] [--minutes 95]   # writes shipped weights
    python benchmarks/superres.py                                         # evaluates -> results/superres.json

Training (the commands that produced pixelforge/weights/superres_edsr and superres_espcn;
settings in SETUPS): random high-resolution luma patches of T91 + Train400 with random
flips/rotations, a random scale per batch, LR patch = MATLAB bicubic downscale rounded to
8 bits, MSE, Adam with cosine decay to a tenth, one CPU thread; stops at the planned steps
or --minutes. "edsr": MultiScaleEDSR, 16 residual blocks of 64 channels, 72x72 patches,
batch 16, lr 4e-4, bf16 autocast. "espcn": MultiScaleESPCN, 6 layers of 48 channels, 48x48
patches, batch 32, lr 1e-3.

Protocol (the papers'): HR = 8-bit test image cropped to a multiple of the scale; LR =
MATLAB-compatible imresize(HR, 1/scale, 'bicubic') with antialiasing, rounded to uint8;
the output image (bicubic: imresize(LR, scale) rounded; network: Y by the network, CbCr
bicubic, RGB rounded to uint8; "+ self-ensemble": Y averaged over the 8 flips/rotations)
scored by PSNR/SSIM on BT.601 Y (unrounded) with `scale` pixels cropped from each border
(pixelforge.metrics.restoration). Gray images: on gray.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from pixelforge.edit.restore.training import PatchTraining, read_luma_folder, superres_batch, train_patches  # noqa: E402
from pixelforge.edit.restore.weights import WEIGHTS_DIR, load_weights  # noqa: E402
from pixelforge.models.pretrained import save_pretrained  # noqa: E402
from pixelforge.models.restoration import NETWORKS, MultiScaleEDSR, MultiScaleESPCN  # noqa: E402

from common import print_table, train_or_evaluate, training_parser, write_results  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "restoration"
CACHE = Path(__file__).resolve().parent / "cache"
SCALES = (2, 3, 4)


@dataclass(frozen=True)
class Setup:
    weights: str            # folder under pixelforge/weights
    build: Callable
    settings: PatchTraining
    run_dir: Path


SETUPS = {
    "espcn": Setup("superres_espcn", lambda: MultiScaleESPCN(48, 6, SCALES),
                   PatchTraining(steps=4000, batch_size=32, patch_size=48, learning_rate=1e-3, checkpoint_every=250,
                                 seed=0), CACHE / "superres_run"),
    "edsr": Setup("superres_edsr", lambda: MultiScaleEDSR(64, 16, SCALES),
                  PatchTraining(steps=7200, batch_size=16, patch_size=72, learning_rate=4e-4, checkpoint_every=500,
                                seed=0, precision="bf16"), CACHE / "superres_edsr_run"),
}
# Y-PSNR / SSIM from the papers: bicubic, SRCNN, FSRCNN (Dong et al. 2016), VDSR (Kim et al. 2016),
# EDSR (Lim et al. 2017). Set5 / Set14.
ANCHORS = {
    "Set5": {2: {"bicubic": 33.66, "SRCNN": 36.66, "FSRCNN": 37.00, "VDSR": 37.53, "EDSR": 38.11},
             3: {"bicubic": 30.39, "SRCNN": 32.75, "FSRCNN": 33.16, "VDSR": 33.66, "EDSR": 34.65},
             4: {"bicubic": 28.42, "SRCNN": 30.48, "FSRCNN": 30.71, "VDSR": 31.35, "EDSR": 32.46}},
    "Set14": {2: {"bicubic": 30.24, "SRCNN": 32.42, "FSRCNN": 32.63, "VDSR": 33.03, "EDSR": 33.92},
              3: {"bicubic": 27.55, "SRCNN": 29.28, "FSRCNN": 29.43, "VDSR": 29.77, "EDSR": 30.52},
              4: {"bicubic": 26.00, "SRCNN": 27.49, "FSRCNN": 27.59, "VDSR": 28.01, "EDSR": 28.80}},
}


def train(args) -> None:
    torch.set_num_threads(1)
    setup = SETUPS[args.network]
    settings = setup.settings
    images = read_luma_folder(DATA / "T91", settings.patch_size) + read_luma_folder(DATA / "Train400",
                                                                                      settings.patch_size)
    model = setup.build()
    summary = train_patches(model, lambda g: superres_batch(images, settings, g, SCALES), settings, setup.run_dir,
                            resume=args.resume, time_limit_s=args.minutes * 60)
    summary.update(data=f"T91 + Train400 luma ({len(images)} images)", cpu="1 thread, CPU shared with other jobs",
                   command=f"python benchmarks/superres.py --train --network {args.network} --minutes {args.minutes:g}"
                   + (" --resume" if args.resume else ""))
    kind = next(name for name, network in NETWORKS.items() if type(model) is network)
    save_pretrained(model, WEIGHTS_DIR / setup.weights, kind, provenance=summary)
    print(f"wrote {WEIGHTS_DIR / setup.weights}: {summary['steps_done']} steps, {summary['train_seconds']:.0f} s")


TEST_SETS = ("Set5", "Set14", "Kodak24")
ENSEMBLE_SETS = ("Set5",)  # the self-ensemble costs 8x the CPU


def test_pairs(name: str, scale: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(HR, LR) float64 (C, H, W) on 0..255, both integer-valued, as the papers make them."""
    from pixelforge.edit.restore import imresize, modcrop, quantize
    from pixelforge.images import read_image_uint8

    pairs = []
    for file in sorted((DATA / name).glob("*.png")):
        high = modcrop(read_image_uint8(file).double(), scale)
        pairs.append((high, quantize(imresize(high, 1 / scale))))
    return pairs


def score(outputs: list, highs: list, scale: int) -> tuple[float, float]:
    from pixelforge.metrics.restoration import psnr, ssim

    values = [(psnr(o, h, (0, 255), channel="y", border=scale)["value"],
               ssim(o, h, (0, 255), channel="y", border=scale)["value"]) for o, h in zip(outputs, highs)]
    return sum(v[0] for v in values) / len(values), sum(v[1] for v in values) / len(values)


def evaluate(args) -> None:
    from pixelforge.edit.restore import imresize, quantize, superres_tensor

    torch.set_num_threads(1)
    models = {name: load_weights(WEIGHTS_DIR / setup.weights) for name, setup in SETUPS.items()}

    def network(model, ensemble=False):
        return lambda low, scale: quantize(
            superres_tensor((low / 255).float(), scale, model, ensemble=ensemble).double() * 255)

    methods = {"bicubic (MATLAB imresize)": lambda low, scale: quantize(imresize(low, scale)),
               "pixelforge MultiScaleESPCN (fast)": network(models["espcn"]),
               "pixelforge MultiScaleEDSR": network(models["edsr"]),
               "pixelforge MultiScaleEDSR + self-ensemble": network(models["edsr"], ensemble=True)}
    rows, start = [], time.monotonic()
    for name in TEST_SETS:
        for scale in SCALES:
            pairs = test_pairs(name, scale)
            megapixels = sum(h.shape[-1] * h.shape[-2] for h, _ in pairs) / 1e6
            for method, function in methods.items():
                if "self-ensemble" in method and name not in ENSEMBLE_SETS:
                    continue
                begin = time.process_time()
                outputs = [function(low, scale) for _, low in pairs]
                cpu = time.process_time() - begin
                value, similarity = score(outputs, [h for h, _ in pairs], scale)
                rows.append({"set": name, "scale": scale, "method": method, "psnr_y": value, "ssim_y": similarity,
                             "num_images": len(pairs), "cpu_ms_per_output_megapixel": 1000 * cpu / megapixels})
            for paper, value in ANCHORS.get(name, {}).get(scale, {}).items():
                rows.append({"set": name, "scale": scale, "method": f"paper: {paper}", "psnr_y": value})
            print_table([r for r in rows if r["set"] == name and r["scale"] == scale],
                        ["set", "scale", "method", "psnr_y", "ssim_y", "num_images", "cpu_ms_per_output_megapixel"])
    import json

    training = {name: json.loads((WEIGHTS_DIR / setup.weights / "config.json").read_text())
                for name, setup in SETUPS.items()}
    write_results("superres", rows, time.monotonic() - start, extra={
        "protocol": __doc__.split("Protocol (the papers'): ", 1)[1].strip(), "models": training,
        "note": "CPU shared with other jobs; cpu ms are process CPU time with 1 torch thread; "
                "paper anchors: bicubic/SRCNN/FSRCNN/VDSR/EDSR as published (Y channel, scale-pixel border)"})


def main() -> None:
    parser = training_parser(__doc__, minutes=95.0)
    parser.add_argument("--network", choices=sorted(SETUPS), default="edsr", help="which network --train trains")
    train_or_evaluate(parser, train, evaluate)


if __name__ == "__main__":
    main()
