"""Denoising: pixelforge's FFDNet-style gray denoiser vs classical baselines vs paper anchors.

    python benchmarks/denoise.py --train [--resume] [--minutes 95]        # trains, writes the shipped weights
    python benchmarks/denoise.py [--bm3d-images 4] [--color-images 16]    # evaluates, writes results/denoise.json

Training (the command that produced pixelforge/weights/denoise_ffdnet_gray): FFDNet with
DEPTH x WIDTH at half resolution (the paper's gray model: 15 x 64), 50x50 patches of
Train400 with random flips/rotations, Gaussian noise sigma ~ U[0, 55] given to the network
as its noise-level input, MSE, Adam 5e-4 with cosine decay to 5e-5, bf16 autocast, one CPU
thread; stops at STEPS or --minutes.

The sigma-25 model (pixelforge/weights/denoise_ffdnet_gray_sigma25) is that model fine-tuned on
sigma 25 alone (--init-from denoise_ffdnet_gray --sigma-range 25 25 --learning-rate 5e-5
--warmup-steps 200 --freeze-batch-norm ...), then fine-tuned again on 100x100 patches, 8 per step
(--init-from denoise_ffdnet_gray_sigma25 --patch-size 100 --batch-size 8 ...): 50x50 patches are
smaller than the network's 62-pixel receptive field, so every training pixel saw the zero padding.
Its config.json records each stage's command under provenance / initialized_from. Subsets
(--sets/--sigmas/--methods) write results/denoise_subset.json; its "model" field describes the
general model only.

Protocol: clean images read as 8-bit, scaled to [0, 1]; noise N(0, (sigma/255)^2) added
with a fixed seed (torch.Generator seeded with 1000 + sigma, one draw per image in file
order); the noisy image is not clipped or rounded (as in the DnCNN paper) except for
OpenCV, which needs 8-bit input. The classical methods and "pixelforge FFDNet" are given the
true sigma (as in the FFDNet paper); "pixelforge FFDNet, sigma estimated" (gray sets) is blind:
it estimates sigma from the noisy image (pixelforge.edit.restore.estimate_sigma); "+ self-ensemble"
averages the network over the 8 flips/rotations (8x the CPU; gray sets at sigma 25 only).
PSNR/SSIM on 0..255 of the output clipped to [0, 1], no border crop
(pixelforge.metrics.restoration). Gray sets: BSD68, Set12; colour: CBSD68
(the gray model applied per R, G, B channel; PSNR over R, G, B). For CPU time, BM3D runs on
the first --bm3d-images images of each set and the classical methods on the first
--color-images of CBSD68; pixelforge is reported on all images and on each such subset.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from pixelforge.edit.restore.training import PatchTraining, denoise_batch, read_luma_folder, train_patches  # noqa: E402
from pixelforge.edit.restore.weights import DENOISE_SPECIALISTS, DENOISE_WEIGHTS, WEIGHTS_DIR, load_weights  # noqa: E402,E501
from pixelforge.models.pretrained import save_pretrained  # noqa: E402
from pixelforge.models.restoration import FFDNet  # noqa: E402

from common import latest_checkpoint_step, print_table, train_or_evaluate, training_parser, write_results  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "restoration"
RUN_DIR = Path(__file__).resolve().parent / "cache" / "denoise_ffdnet_run"
DEPTH, WIDTH = 15, 64
SETTINGS = PatchTraining(steps=14500, batch_size=32, patch_size=50, learning_rate=5e-4, sigma_max=55.0,
                         checkpoint_every=500, seed=0, precision="bf16")
SIGMAS = (15, 25, 50)
# Zhang et al. 2017 (DnCNN), Table 2 (BSD68, gray) and Table 5 (CBSD68, colour: CBM3D / CDnCNN-B);
# FFDNet: Zhang, Zuo and Zhang 2018 (BSD68).
ANCHORS = {
    "BSD68": {"BM3D": {15: 31.07, 25: 28.57, 50: 25.62}, "DnCNN-S": {15: 31.73, 25: 29.23, 50: 26.23},
              "DnCNN-B": {15: 31.61, 25: 29.16, 50: 26.23}, "FFDNet": {15: 31.63, 25: 29.19, 50: 26.29}},
    "Set12": {"BM3D": {15: 32.37, 25: 29.97, 50: 26.72}, "DnCNN-S": {15: 32.86, 25: 30.44, 50: 27.18}},
    "CBSD68": {"CBM3D": {15: 33.52, 25: 30.71, 50: 27.38}, "CDnCNN-B": {15: 33.89, 25: 31.23, 50: 27.92}},
}


# The shipped weights' training history (train_seconds above counts all three segments).
RESUME_HISTORY = ("steps 0-14,500: `--train --minutes 95` (cosine decay over 14,500 steps, 89 min); then "
                  "`--train --resume --steps 26500`: the same cosine schedule stretched to 26,500 steps, so the "
                  "learning rate restarted at 0.48x its peak and decayed towards 0.1x (a warm restart); the 75-minute "
                  "limit stopped it at step 25,076 (0.11x); then `--train --resume --steps 36000 --minutes 60`: "
                  "stretched again to 36,000 steps (a second warm restart at 0.29x, decaying towards 0.1x); the "
                  "60-minute limit stopped it at step 34,901")
SIGMA25_HISTORY = ("steps 0-5,459: `--train --run denoise_sigma25_run --init-from denoise_ffdnet_gray --weights "
                   "denoise_ffdnet_gray_sigma25 --sigma-range 25 25 --learning-rate 5e-5 --warmup-steps 200 "
                   "--freeze-batch-norm --precision fp32 --threads 2 --steps 6000 --minutes 70` (the 70-minute limit "
                   "stopped it at step 5,459, the rate at 0.12x its peak); then the command above: the cosine schedule "
                   "stretched to 10,000 steps (a warm restart at 0.49x), stopped by the 62-minute limit at step 8,690 "
                   "(0.14x; a one-thread job shared the two cores for its last 22 minutes)")
RESUME_HISTORIES = {RUN_DIR.name: RESUME_HISTORY, "denoise_sigma25_run": SIGMA25_HISTORY}


def train(args) -> None:
    torch.set_num_threads(args.threads)
    model = FFDNet(DEPTH, WIDTH)
    low, high = args.sigma_range or (SETTINGS.sigma_min, SETTINGS.sigma_max)
    settings = dataclasses.replace(SETTINGS, steps=args.steps or SETTINGS.steps, sigma_min=low, sigma_max=high,
                                   learning_rate=args.learning_rate or SETTINGS.learning_rate,
                                   warmup_steps=args.warmup_steps, freeze_batch_norm=args.freeze_batch_norm,
                                   precision=args.precision or SETTINGS.precision,
                                   patch_size=args.patch_size or SETTINGS.patch_size,
                                   batch_size=args.batch_size or SETTINGS.batch_size)
    images = read_luma_folder(DATA / "Train400", settings.patch_size)
    run_dir = RUN_DIR if args.run is None else RUN_DIR.parent / args.run
    resumed_from = latest_checkpoint_step(run_dir) if args.resume else None
    initialized_from = None
    if args.init_from and resumed_from is None:  # fine-tuning: start from saved weights, fresh Adam state
        model.load_state_dict(load_weights(WEIGHTS_DIR / args.init_from).state_dict())
        config = json.loads((WEIGHTS_DIR / args.init_from / "config.json").read_text())
        initialized_from = {"weights": args.init_from, "provenance": config.get("provenance")}
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "initialized_from.json").write_text(json.dumps(initialized_from, indent=1))
    summary = train_patches(model, lambda g: denoise_batch(images, settings, g, with_sigma=True), settings, run_dir,
                            resume=args.resume, time_limit_s=args.minutes * 60)
    summary.update(data=f"Train400 ({len(images)} gray 180x180 images)",
                   cpu=f"{args.threads} thread(s), CPU shared with other jobs",
                   command="python benchmarks/denoise.py " + " ".join(sys.argv[1:]))
    if resumed_from is not None:
        summary["resumed_from_step"] = resumed_from
        if run_dir.name in RESUME_HISTORIES:
            summary["history"] = RESUME_HISTORIES[run_dir.name]
    if initialized_from is not None:
        summary["initialized_from"] = initialized_from
    elif resumed_from is not None and run_dir != RUN_DIR:
        summary["initialized_from"] = json.loads((run_dir / "initialized_from.json").read_text())
    destination = WEIGHTS_DIR / (args.weights or DENOISE_WEIGHTS)
    save_pretrained(model, destination, "ffdnet", provenance=summary)
    print(f"wrote {destination}: {summary['steps_done']} steps, {summary['train_seconds']:.0f} s")


BASELINE_CACHE = Path(__file__).resolve().parent / "cache" / "denoise_baselines.json"
SETS = {"BSD68": 1, "Set12": 1, "CBSD68": 3}


def noisy_set(name: str, sigma: int, seed: int | None = None) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(clean, noisy) float64 (C, H, W) lists; noise from a generator seeded `seed` (default 1000 + sigma)."""
    from pixelforge.images import read_image_uint8

    generator = torch.Generator().manual_seed(1000 + sigma if seed is None else seed)
    files = sorted((DATA / name).glob("*.png"))
    clean = [read_image_uint8(file, channels=SETS[name]).double() / 255 for file in files]
    noisy = [image + sigma / 255 * torch.randn(image.shape, generator=generator, dtype=torch.float64)
             for image in clean]
    return clean, noisy


def classical(method: str, noisy: np.ndarray, sigma: float) -> np.ndarray:
    """One classical denoiser on (C, H, W) float in ~[0, 1] with known sigma (0..1 scale)."""
    import cv2
    from skimage import restoration

    color = noisy.shape[0] == 3
    image = noisy.transpose(1, 2, 0) if color else noisy[0]
    axis = -1 if color else None
    if method == "skimage NLM":
        out = restoration.denoise_nl_means(image, h=0.8 * sigma, sigma=sigma, patch_size=5, patch_distance=6,
                                           fast_mode=True, channel_axis=axis)
    elif method == "skimage wavelet":
        out = restoration.denoise_wavelet(image, sigma=sigma, method="BayesShrink", mode="soft", rescale_sigma=True,
                                          channel_axis=axis, convert2ycbcr=color)
    elif method == "skimage TV":
        out = restoration.denoise_tv_chambolle(image, weight=sigma, channel_axis=axis)
    elif method == "OpenCV NLM":
        pixels = np.clip(np.round(image * 255), 0, 255).astype(np.uint8)  # OpenCV needs 8 bits
        h = float(sigma * 255)
        out = (cv2.fastNlMeansDenoisingColored(pixels, None, h, h, 7, 21) if color else
               cv2.fastNlMeansDenoising(pixels, None, h, 7, 21)).astype(np.float64) / 255
    elif method == "BM3D":
        import bm3d
        out = bm3d.bm3d_rgb(image, sigma) if color else bm3d.bm3d(image, sigma_psd=sigma)
    else:
        raise ValueError(method)
    out = np.asarray(out, dtype=np.float64)
    return out.transpose(2, 0, 1) if color else out[None]


METHODS = ("skimage TV", "skimage wavelet", "skimage NLM", "OpenCV NLM", "BM3D")


def score(outputs: list, clean: list) -> tuple[float, float]:
    from pixelforge.metrics.restoration import psnr, ssim

    values = [(psnr(torch.as_tensor(o).clamp(0, 1), c, (0, 1))["value"], ssim(torch.as_tensor(o).clamp(0, 1), c, (0, 1))["value"])
              for o, c in zip(outputs, clean)]
    return float(np.mean([v[0] for v in values])), float(np.mean([v[1] for v in values]))


# pixelforge's rows: method -> (shipped weights, whether sigma is given, self-ensemble)
OURS = {"pixelforge FFDNet": (DENOISE_WEIGHTS, True, False),
        "pixelforge FFDNet, sigma estimated": (DENOISE_WEIGHTS, False, False),
        "pixelforge FFDNet + self-ensemble": (DENOISE_WEIGHTS, True, True),
        "pixelforge FFDNet-S25 (sigma-25 model)": (DENOISE_SPECIALISTS[25], True, False),
        "pixelforge FFDNet-S25 + self-ensemble": (DENOISE_SPECIALISTS[25], True, True)}


def run_method(method, clean, noisy, sigma, limit=None) -> dict:
    from pixelforge.edit.restore import denoise_tensor
    from pixelforge.edit.restore.weights import shipped

    clean, noisy = clean[:limit], noisy[:limit]
    start, outputs = time.process_time(), []
    for image in noisy:
        if method in OURS:
            weights, given, ensemble = OURS[method]
            outputs.append(denoise_tensor(image.float(), sigma if given else None, model=shipped(weights),
                                          ensemble=ensemble).double())
        else:
            outputs.append(torch.from_numpy(classical(method, image.numpy(), sigma / 255)))
    cpu = time.process_time() - start
    megapixels = sum(c.shape[-1] * c.shape[-2] for c in clean) / 1e6
    value, similarity = score(outputs, clean)
    return {"method": method, "psnr": value, "ssim": similarity, "num_images": len(clean),
            "cpu_ms_per_megapixel": 1000 * cpu / megapixels}


def evaluate(args) -> None:
    import json

    torch.set_num_threads(1)
    cache = json.loads(BASELINE_CACHE.read_text()) if BASELINE_CACHE.is_file() else {}
    rows, start = [], time.monotonic()
    for name in args.sets or SETS:
        for sigma in args.sigmas or SIGMAS:
            clean, noisy = noisy_set(name, sigma)
            noisy_psnr, _ = score(noisy, clean)
            rows.append({"set": name, "sigma": sigma, "method": "noisy input", "psnr": noisy_psnr,
                         "num_images": len(clean)})
            subset = args.color_images if SETS[name] == 3 else None
            for method in METHODS:
                limit = args.bm3d_images if method == "BM3D" else subset
                key = f"{name}/{sigma}/{method}/{limit}"
                if key not in cache:
                    cache[key] = run_method(method, clean, noisy, sigma, limit)
                    BASELINE_CACHE.write_text(json.dumps(cache, indent=1))
                rows.append({"set": name, "sigma": sigma, **cache[key]})
            if not args.baselines_only:
                ours = ["pixelforge FFDNet"] + (["pixelforge FFDNet, sigma estimated"] if SETS[name] == 1 else [])
                if sigma == 25:  # the per-sigma model; the self-ensembles (8x CPU) on the gray sets only
                    ours += ["pixelforge FFDNet-S25 (sigma-25 model)"]
                    ours += ["pixelforge FFDNet + self-ensemble", "pixelforge FFDNet-S25 + self-ensemble"] \
                        if SETS[name] == 1 else []
                ours = [method for method in ours if not args.methods or method in args.methods]
                for method in ours:
                    rows.append({"set": name, "sigma": sigma, **run_method(method, clean, noisy, sigma)})
                for limit in sorted({args.bm3d_images, subset or len(clean)}):
                    if limit < len(clean):
                        rows.append({"set": name, "sigma": sigma, **run_method("pixelforge FFDNet", clean, noisy,
                                                                               sigma, limit),
                                     "method": f"pixelforge FFDNet (first {limit} images)"})
            for paper, values in ANCHORS[name].items():
                rows.append({"set": name, "sigma": sigma, "method": f"paper: {paper}", "psnr": values[sigma]})
            print_table([r for r in rows if r["set"] == name and r["sigma"] == sigma],
                        ["set", "sigma", "method", "psnr", "ssim", "num_images", "cpu_ms_per_megapixel"])
    if args.baselines_only:
        return
    from pixelforge.edit.restore.weights import WEIGHTS_DIR as weights

    training = json.loads((weights / DENOISE_WEIGHTS / "config.json").read_text())
    subset = bool(args.sets or args.sigmas or args.methods)
    write_results("denoise_subset" if subset else "denoise", rows, time.monotonic() - start, extra={
        "protocol": __doc__.split("Protocol: ", 1)[1].strip(), "model": training,
        "note": "CPU shared with other jobs; cpu_ms_per_megapixel is process CPU time with 1 torch thread"})


def main() -> None:
    parser = training_parser(__doc__, minutes=95.0)
    parser.add_argument("--steps", type=int, help="with --train: training steps (default: SETTINGS.steps); with "
                        "--resume, the cosine schedule is stretched to the new length")
    parser.add_argument("--threads", type=int, default=1, help="with --train: torch threads (default: 1)")
    parser.add_argument("--run", help="with --train: run folder under benchmarks/cache (default: denoise_ffdnet_run)")
    parser.add_argument("--init-from", metavar="WEIGHTS", help="with --train: fine-tune, starting from the weights "
                        "folder pixelforge/weights/WEIGHTS (a new run only; Adam starts afresh)")
    parser.add_argument("--weights", metavar="NAME", help="with --train: write pixelforge/weights/NAME (default: "
                        f"{DENOISE_WEIGHTS})")
    parser.add_argument("--sigma-range", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="with --train: noise levels sigma ~ U[LOW, HIGH] (default: 0 55; LOW = HIGH for a "
                        "per-sigma model)")
    parser.add_argument("--learning-rate", type=float, help="with --train: peak Adam learning rate (cosine to 1/10)")
    parser.add_argument("--warmup-steps", type=int, default=0, help="with --train: linear learning-rate warmup "
                        "(use a few hundred with --init-from: a fresh Adam's first steps are learning-rate-sized)")
    parser.add_argument("--freeze-batch-norm", action="store_true", help="with --train: batch norm keeps its "
                        "running statistics (fine-tuning on a narrower sigma range: batch statistics would shift)")
    parser.add_argument("--patch-size", type=int, help=f"with --train: training patch side (default: "
                        f"{SETTINGS.patch_size}; the network sees half of it, so its 62-pixel receptive field "
                        "fits inside a patch of 70 or more)")
    parser.add_argument("--batch-size", type=int, help=f"with --train: patches per step (default: "
                        f"{SETTINGS.batch_size})")
    parser.add_argument("--precision", choices=("fp32", "bf16"), help="with --train: bf16 pays only with AVX512-BF16")
    parser.add_argument("--bm3d-images", type=int, default=4, help="BM3D on the first N images of each set")
    parser.add_argument("--color-images", type=int, default=16,
                        help="classical methods on the first N colour images (CBSD68), for CPU time")
    parser.add_argument("--sets", nargs="+", choices=tuple(SETS), help="evaluate these sets only (writes "
                        "results/denoise_subset.json)")
    parser.add_argument("--sigmas", nargs="+", type=int, choices=SIGMAS, help="these noise levels only (idem)")
    parser.add_argument("--methods", nargs="+", choices=tuple(OURS), help="these pixelforge rows only (idem)")
    parser.add_argument("--baselines-only", action="store_true", help="only the classical methods (cached)")
    train_or_evaluate(parser, train, evaluate)


if __name__ == "__main__":
    main()
