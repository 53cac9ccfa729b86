"""FID Inception feature extraction speed: the TorchScript file as is vs pixelforge's extractor.

Claim (pixelforge/metrics/features.py): running default_1.pt's weights in FIDInceptionV3 with
channels_last is faster than the TorchScript file and gives the same features (to float32
rounding). Measures images/s at 299x299 (no resize) and the largest feature difference.

    OMP_NUM_THREADS=1 python benchmarks/fid_feature_speed.py --threads 1 --num-images 32 --batch-size 8
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from pixelforge.metrics import InceptionFeatureExtractor  # noqa: E402
from pixelforge.metrics.features import default_weights_path  # noqa: E402

from common import print_table, write_results  # noqa: E402


def images_per_second(run, images: torch.Tensor, batch_size: int) -> tuple[float, torch.Tensor]:
    """Time `run` over `images` in batches (after one warm-up batch); returns (images/s, features)."""
    with torch.inference_mode():
        run(images[:batch_size])
        started = time.perf_counter()
        features = torch.cat([run(batch) for batch in images.split(batch_size)])
    return images.shape[0] / (time.perf_counter() - started), features


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-images", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(args.num_images, 3, 299, 299, generator=generator) * 2 - 1  # already 299x299: no resize
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.load(str(default_weights_path()), map_location=args.device).eval()
    fast = InceptionFeatureExtractor(device=args.device, channels_last=True)
    plain = InceptionFeatureExtractor(device=args.device, channels_last=False)
    inputs = fast.network_input(images).contiguous()  # the network's input, same for every variant
    variants = {
        "torchscript file, contiguous": lambda x: scripted(x.to(args.device)),
        "FIDInceptionV3, contiguous": lambda x: plain.network(x.to(args.device))[0],
        "FIDInceptionV3, channels_last": lambda x: fast.network(
            x.to(args.device).contiguous(memory_format=torch.channels_last))[0],
    }
    rows, reference = [], None
    for name, run in variants.items():
        speed, features = images_per_second(run, inputs, args.batch_size)
        reference = features if reference is None else reference
        rows.append({"variant": name, "images_per_second": round(speed, 2),
                     "max_abs_difference": float((features - reference).abs().max()),
                     "max_abs_feature": float(reference.abs().max())})
    shown = [dict(row, max_abs_difference=f"{row['max_abs_difference']:.1e}") for row in rows]
    print_table(shown, ["variant", "images_per_second", "max_abs_difference", "max_abs_feature"])
    path = write_results("fid_feature_speed", rows, time.perf_counter() - started,
                         {"num_images": args.num_images, "batch_size": args.batch_size, "threads": args.threads,
                          "device": args.device, "input": "random images at 299x299 (no resize)"})
    print(f"written: {path}")


if __name__ == "__main__":
    main()
