"""Inpainting: train the shipped gated-conv U-Net, then compare it with classical methods.

    python benchmarks/inpaint.py --phase train     # writes pixelforge/weights/inpaint_unet/
    python benchmarks/inpaint.py --phase export    # a run stopped early: its latest state as the weights
    python benchmarks/inpaint.py --phase eval      # table + benchmarks/results/inpaint.json
    python benchmarks/inpaint.py --phase eval --methods learned-x8 --keep-learned --sets CBSD68 &
    python benchmarks/inpaint.py --phase eval --methods learned-x8 --keep-learned --sets Kodak24   # one core each

Training recipe (CPU, one thread): random 96x96 crops of T91 (91 RGB photos) and Train400 (400
gray BSD photos, repeated to RGB), half the batch from each; flips and 90-degree turns. Each crop
gets a seeded "mixed" mask (free-form strokes, sometimes boxes) drawn on a canvas whose side is
drawn from 160..512 pixels (so strokes are as wide as on full test images) and cropped, coverage
5..50 %. Loss: L1 inside the hole x 6 + L1 outside x 1 (on the network's raw output) + 0.1 x the
perceptual L1 between the composited output and the clean crop at the FID Inception-v3's early
block Conv2d_2b_3x3 (pixelforge.metrics.perceptual; one early block because the deeper ones cost
3x more per step on CPU) + `--mse-weight` x the squared error inside the hole (PSNR is a
squared-error measure; L1 alone pulls towards the median). Adam, cosine decay to 1e-5, gradient
norm clipped at 1, bf16 autocast with `--precision bf16`. The log prints, every 50 steps, the
hole-PSNR gain of the network over its own coarse fill on the training crops. No test image
(CBSD68, Kodak24) is seen.

Evaluation protocol: CBSD68 (68 images, 481x321) and Kodak24 (24 images, 768x512), RGB; for each
image and coverage band (10-20, 20-30, 30-40 %) one free-form mask generated with seed
(band index * 1000 + image index). PSNR/SSIM (pixelforge.metrics.restoration, RGB, no border crop)
of the whole image; PSNR and L1 (0..255 scale) inside the hole and outside it (outside is
exactly equal for every method: compositing). Methods: OpenCV Telea and Navier-Stokes (radius 5),
scikit-image biharmonic, pixelforge (learned) and pixelforge x8 (learned-x8: the same network's
geometric self-ensemble, `inpaint(..., ensemble=True)`, the mean of its fills over the 8 flips and
rotations of image and mask; 8x the inference). Per-image results are cached per method in
benchmarks/cache/inpaint_eval/ (so `wall_s` in the JSON is the last pass only); the table compares
methods on the images they all have.

Result (2026-12-03, benchmarks/results/inpaint.json, all 68 + 24 images): shipped weights trained
5,800 steps from scratch (`--restart --steps 5800 --minutes 85 --precision bf16 --mse-weight 6
--channels 32 --crop 96 --batch 8 --lr 5e-4`, 82 min on one CPU thread), then fine-tuned
(`--restart --init-from pixelforge/weights/inpaint_unet --steps 1900 --minutes 78 --precision fp32
--mse-weight 6 --channels 32 --crop 96 --batch 8 --lr 2e-4 --seed 1`; the time limit stopped it
at step 1,733 of the cosine schedule). Whole-image PSNR over the best classical method (Telea
everywhere): CBSD68 +1.10 / +0.97 / +1.02 dB and Kodak24 +0.90 / +1.10 / +1.03 dB at 10-20 /
20-30 / 30-40 % coverage: the +1.0 dB target at 20-30 % is met on Kodak24 and missed by 0.03 dB
on CBSD68. The fine-tuning added +0.03 / +0.01 dB at 20-30 % over the 5,800-step weights.
The self-ensemble (same weights, evaluated 2026-12-03 in two processes, one set each, one thread
each) adds +0.09 to +0.13 dB in every row: CBSD68 +1.19 / +1.10 / +1.13 dB and Kodak24 +1.02 /
+1.22 / +1.16 dB over Telea, so the +1.0 dB target at 20-30 % is met on both sets with it.
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
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import print_table, write_results  # noqa: E402

from pixelforge.edit.inpainting.learned import (SHIPPED_WEIGHTS, load_inpainting_model,  # noqa: E402
                                                save_inpainting_model)
from pixelforge.edit.inpainting.masks import generate_mask  # noqa: E402
from pixelforge.metrics.perceptual import perceptual_loss  # noqa: E402
from pixelforge.models.inpainting import InpaintingConfig, InpaintingUNet  # noqa: E402

DATASETS = Path("/work/shared/datasets/restoration")
TRAIN_SETS = ("T91", "Train400")
CACHE = ROOT / "benchmarks" / "cache" / "inpaint_train"


def _read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def load_training_images(crop: int) -> dict[str, list[np.ndarray]]:
    images = {}
    for name in TRAIN_SETS:
        arrays = [_read_rgb(p) for p in sorted((DATASETS / name).glob("*.png"))]
        images[name] = [a for a in arrays if min(a.shape[:2]) >= crop]
    return images


def training_batch(images: dict[str, list[np.ndarray]], batch: int, crop: int, rng: np.random.Generator
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """(clean (B, 3, crop, crop) in [-1, 1], hole (B, 1, crop, crop) bool)."""
    crops, holes = [], []
    for index in range(batch):
        pool = images[TRAIN_SETS[index % len(TRAIN_SETS)]]
        image = pool[rng.integers(len(pool))]
        top, left = rng.integers(image.shape[0] - crop + 1), rng.integers(image.shape[1] - crop + 1)
        patch = np.rot90(image[top:top + crop, left:left + crop], rng.integers(4))
        crops.append(patch[:, ::-1] if rng.random() < 0.5 else patch)
        side = int(rng.integers(160, 513))
        low = rng.uniform(0.05, 0.4)
        canvas = generate_mask(side, side, "mixed", (low, low + 0.1), rng)
        y, x = rng.integers(side - crop + 1), rng.integers(side - crop + 1)
        holes.append(canvas[y:y + crop, x:x + crop])
    clean = torch.from_numpy(np.stack(crops).copy()).permute(0, 3, 1, 2).float() / 127.5 - 1
    return clean, torch.from_numpy(np.stack(holes))[:, None]


def train(args: argparse.Namespace) -> None:
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    images = load_training_images(args.crop)
    model = InpaintingUNet(InpaintingConfig(channels=args.channels))
    history = []
    if args.init_from:   # fine-tune: start from saved weights, with a fresh optimizer and schedule
        model = load_inpainting_model(args.init_from)
        previous = json.loads((Path(args.init_from) / "config.json").read_text()).get("provenance", {})
        history = [f"initialized from {args.init_from}, trained before as: {line}"
                   for line in previous.get("history", [])]
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    step, elapsed = 0, 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    if (CACHE / "state.pt").is_file() and not args.restart:
        state = torch.load(CACHE / "state.pt", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])
        step, elapsed, history = state["step"], state["elapsed"], state.get("history", [])
        print(f"resumed at step {step} ({elapsed:.0f} s)")
    if args.phase == "export":   # a run stopped early: ship its latest state as it is
        args.steps = step
    else:
        history.append(f"step {step}: " + " ".join(sys.argv[1:]))
    start, running, history_gain = time.time() - elapsed, [], []
    elapsed_before = elapsed
    while step < args.steps:
        if args.minutes and time.time() - start - elapsed_before >= args.minutes * 60:
            print(f"--minutes {args.minutes} reached at step {step} of {args.steps}", flush=True)
            break
        for group in optimizer.param_groups:
            group["lr"] = 1e-5 + 0.5 * (args.lr - 1e-5) * (1 + math.cos(math.pi * step / args.steps))
        clean, hole = training_batch(images, args.batch, args.crop, rng)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            raw = model.raw(clean, hole).float()
        holef = hole.float()
        l1_hole = ((raw - clean).abs() * holef).sum() / (3 * holef.sum()).clamp_min(1)
        l1_known = ((raw - clean).abs() * (1 - holef)).sum() / (3 * (1 - holef).sum()).clamp_min(1)
        composite = torch.where(hole, raw.clamp(-1, 1), clean)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            perceptual = perceptual_loss(composite, clean, ("Conv2d_2b_3x3",))
        mse_hole = (((raw - clean) ** 2) * holef).sum() / (3 * holef.sum()).clamp_min(1)
        loss = 6 * l1_hole + l1_known + args.perceptual_weight * perceptual + args.mse_weight * mse_hole
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        step += 1
        with torch.no_grad():   # the gain over the coarse fill, in dB of hole PSNR on these crops
            coarse_mse = (((model.coarse_fill(clean, hole) - clean) ** 2) * holef).sum()
            ours_mse = (((composite - clean) ** 2) * holef).sum()
        running.append([loss.item(), l1_hole.item(), perceptual.item(), coarse_mse.item(), ours_mse.item()])
        if step % 50 == 0 or step == args.steps:
            mean = np.mean(running, 0)
            running = []
            elapsed = time.time() - start
            gain = 10 * math.log10(mean[3] / max(mean[4], 1e-12))
            history_gain.append([step, round(gain, 4)])
            print(f"step {step} loss {mean[0]:.4f} l1_hole {mean[1]:.4f} perceptual {mean[2]:.4f} "
                  f"gain over coarse {gain:+.3f} dB {elapsed:.0f} s", flush=True)
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                        "elapsed": elapsed, "history": history, "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state()},
                       CACHE / "state.tmp")
            (CACHE / "state.tmp").replace(CACHE / "state.pt")
    provenance = {"command": "python benchmarks/inpaint.py " + " ".join(sys.argv[1:]), "history": history,
                  "data": f"T91 + Train400 random {args.crop}x{args.crop} crops (no CBSD68/Kodak24 image)", "steps": step,
                  "batch": args.batch, "crop": args.crop, "lr": args.lr, "seed": args.seed,
                  "precision": args.precision, "grad_clip": args.grad_clip, "gain_over_coarse_db_on_training_crops": history_gain[-20:],
                  "loss": f"6 L1(hole) + L1(known) + {args.perceptual_weight} perceptual(Inception Conv2d_2b_3x3)"
                          f" + {args.mse_weight} MSE(hole)", "channels": model.config.channels,
                  "train_wall_s": round(time.time() - start, 1),
                  "hardware": "CPU, 1 torch thread, machine shared with other jobs"}
    save_inpainting_model(model, args.out, provenance)
    print(f"saved {args.out}: {json.dumps(provenance)}")

EVAL_SETS = ("CBSD68", "Kodak24")
BANDS = ((0.1, 0.2), (0.2, 0.3), (0.3, 0.4))
EVAL_CACHE = ROOT / "benchmarks" / "cache" / "inpaint_eval"   # one JSON per method: runs may overlap


def _ssim_map(filled: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """SSIM map (H, W), mean over channels: Wang et al. 2004, 11x11 Gaussian window, sigma 1.5, 0..255
    (the settings of pixelforge.metrics.restoration.ssim)."""
    from skimage.metrics import structural_similarity

    _, full = structural_similarity(filled, clean, data_range=255, channel_axis=-1, gaussian_weights=True,
                                    sigma=1.5, use_sample_covariance=False, full=True)
    return full.mean(-1)


def image_metrics(filled: np.ndarray, clean: np.ndarray, hole: np.ndarray) -> dict:
    """Metrics of one filled image (H, W, 3) uint8 against the clean one; hole (H, W) bool."""
    filled, clean = filled.astype(np.float64), clean.astype(np.float64)
    error = filled - clean
    ssim = _ssim_map(filled, clean)

    def psnr(squared):
        return float("inf") if squared == 0 else float(10 * np.log10(255 ** 2 / squared))

    return {"psnr": psnr((error ** 2).mean()), "ssim": float(ssim.mean()),
            "psnr_hole": psnr((error[hole] ** 2).mean()), "l1_hole": float(np.abs(error[hole]).mean()),
            "ssim_hole": float(ssim[hole].mean()), "l1_known": float(np.abs(error[~hole]).mean()),
            "ssim_known": float(ssim[~hole].mean()), "known_exact": bool((error[~hole] == 0).all())}


ALL_METHODS = ("telea", "navier-stokes", "biharmonic", "learned", "learned-x8")
LABELS = {"learned": "pixelforge", "learned-x8": "pixelforge x8"}   # x8: the self-ensemble (8 orientations)


def run_method(image: Image.Image, hole: np.ndarray, method: str, model) -> np.ndarray:
    from pixelforge.edit.inpainting import inpaint

    if method == "learned-x8":
        return np.asarray(inpaint(image, hole, method="learned", model=model, ensemble=True))
    return np.asarray(inpaint(image, hole, method=method, model=model))


def _read_cache(methods) -> dict:
    cache = {}
    for method in methods:
        file = EVAL_CACHE / f"{method}.json"
        cache.update(json.loads(file.read_text()) if file.is_file() else {})
    return cache


def _write_cache(cache: dict, methods) -> None:
    """Merge this process's entries into each method's file (two processes may evaluate different --sets)."""
    EVAL_CACHE.mkdir(parents=True, exist_ok=True)
    for method in methods:
        entries = _read_cache([method])
        entries.update({key: value for key, value in cache.items() if key.endswith(f"/{method}")})
        (EVAL_CACHE / f"{method}.tmp").write_text(json.dumps(entries))
        (EVAL_CACHE / f"{method}.tmp").replace(EVAL_CACHE / f"{method}.json")


def evaluate(args: argparse.Namespace) -> None:
    started = time.time()
    methods = args.methods.split(",")
    cache = {} if args.smoke else _read_cache(methods)
    seconds: dict[str, list[float]] = {method: [] for method in methods}
    for set_name in args.sets.split(","):
        paths = sorted((DATASETS / set_name).glob("*.png"))[: args.max_images]
        for index, path in enumerate(paths):
            image = Image.open(path).convert("RGB")
            clean = np.asarray(image)
            for band_index, band in enumerate(BANDS):
                hole = generate_mask(clean.shape[0], clean.shape[1], "free-form", band, band_index * 1000 + index)
                for method in methods:
                    key = f"{set_name}/{path.name}/{band_index}/{method}"
                    if key in cache and (not method.startswith("learned") or args.keep_learned):
                        continue
                    tick = time.time()
                    filled = run_method(image, hole, method, args.model)
                    seconds[method].append(time.time() - tick)
                    cache[key] = {**image_metrics(filled, clean, hole), "coverage": float(hole.mean()),
                                  "seconds": seconds[method][-1]}
            print(f"{set_name} {path.name} done ({time.time() - started:.0f} s)", flush=True)
            if not args.smoke:
                _write_cache(cache, methods)
    rows = summarize(cache if args.smoke else _read_cache(ALL_METHODS), ALL_METHODS, args.max_images)
    columns = ["set", "coverage", "method", "images", "psnr", "ssim", "psnr_hole", "l1_hole", "ssim_hole",
               "l1_known", "ssim_known", "known_exact", "seconds"]
    print_table(rows, columns)
    margins = margin_rows(rows)
    for margin in margins:
        print(f"{margin['set']} {margin['coverage']}: {margin['method']} - best classical "
              f"({margin['best_classical']}) = {margin['psnr_margin_db']:+.2f} dB")
    provenance = {}
    weights = Path(args.model) if args.model else SHIPPED_WEIGHTS
    if (weights / "config.json").is_file():
        provenance = json.loads((weights / "config.json").read_text()).get("provenance", {})
    protocol = {"sets": {name: "all images" if args.max_images is None else f"first {args.max_images}"
                         for name in EVAL_SETS},
                "masks": "free-form, generate_mask(H, W, 'free-form', band, seed=band_index*1000+image_index)",
                "bands": [list(band) for band in BANDS], "metrics": "0..255 RGB; psnr/ssim whole image; "
                "*_hole inside the mask, *_known outside; ssim = mean of the SSIM map (Gaussian 11x11, sigma 1.5)",
                "opencv_radius": 5, "learned_weights": str(weights.relative_to(ROOT) if weights.is_absolute()
                                                          and ROOT in weights.parents else weights),
                "training": provenance, "cpu_shared": "2 cores shared with other benchmark and training jobs"}
    if not args.smoke:
        example_grid(methods=list(ALL_METHODS), model=args.model)
        write_results("inpaint", rows, time.time() - started, {"protocol": protocol, "margins": margins})


def example_grid(methods, model) -> Path:
    """benchmarks/results/inpaint_examples.png: one 256x256 crop of kodim23 (20-30 % free-form mask):
    masked input, each method, the original."""
    path = sorted((DATASETS / "Kodak24").glob("*.png"))[22]
    image = Image.open(path).convert("RGB").crop((256, 128, 512, 384))
    hole = generate_mask(256, 256, "free-form", (0.2, 0.3), seed=22)
    masked = np.where(hole[..., None], 255, np.asarray(image)).astype(np.uint8)
    tiles = [masked] + [run_method(image, hole, method, model) for method in methods]
    tiles.append(np.asarray(image))
    out = ROOT / "benchmarks" / "results" / "inpaint_examples.png"
    Image.fromarray(np.concatenate(tiles, axis=1)).save(out)
    print(f"wrote {out}: masked | {' | '.join(methods)} | original")
    return out


def summarize(cache: dict, methods, max_images: int | None) -> list[dict]:
    """Mean metrics per set, band and method, over the images that every evaluated method has."""
    rows = []
    for set_name in EVAL_SETS:
        allowed = {path.name for path in sorted((DATASETS / set_name).glob("*.png"))[:max_images]}
        for band_index, band in enumerate(BANDS):
            found = {method: {key.split("/")[1]: value for key, value in cache.items()
                              if key.startswith(f"{set_name}/") and key.endswith(f"/{band_index}/{method}")}
                     for method in methods}
            found = {method: entries for method, entries in found.items() if entries}
            common = allowed.intersection(*(entries.keys() for entries in found.values())) if found else set()
            for method, entries in found.items():
                chosen = [entries[name] for name in sorted(common)]
                if not chosen:
                    continue
                row = {"set": set_name, "coverage": f"{int(band[0] * 100)}-{int(band[1] * 100)}%",
                       "method": LABELS.get(method, method), "images": len(chosen)}
                for metric in ("psnr", "ssim", "psnr_hole", "l1_hole", "ssim_hole", "l1_known", "ssim_known",
                               "seconds"):
                    row[metric] = round(float(np.mean([entry[metric] for entry in chosen])), 4)
                row["known_exact"] = all(entry["known_exact"] for entry in chosen)
                rows.append(row)
    return rows


def margin_rows(rows: list[dict]) -> list[dict]:
    margins = []
    for set_name in EVAL_SETS:
        for coverage in {row["coverage"] for row in rows if row["set"] == set_name}:
            here = [row for row in rows if row["set"] == set_name and row["coverage"] == coverage]
            classical = [row for row in here if row["method"] not in LABELS.values()]
            for ours in (row for row in here if row["method"] in LABELS.values()):
                if classical:
                    best = max(classical, key=lambda row: row["psnr"])
                    margins.append({"set": set_name, "coverage": coverage, "method": ours["method"],
                                    "best_classical": best["method"],
                                    "psnr_margin_db": round(ours["psnr"] - best["psnr"], 3),
                                    "target_met": ours["psnr"] - best["psnr"] >= 1.0})
    return sorted(margins, key=lambda margin: (margin["set"], margin["coverage"], margin["method"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phase", choices=("train", "export", "eval"), required=True,
                        help="train (resumable); export: write the latest training state as weights; eval")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--crop", type=int, default=96)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--perceptual-weight", type=float, default=0.1)
    parser.add_argument("--mse-weight", type=float, default=0.0, help="weight of a squared-error term in the hole")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32", help="autocast dtype of the forward")
    parser.add_argument("--grad-clip", type=float, default=1.0, help="gradient-norm clipping")
    parser.add_argument("--minutes", type=float, default=0, help="stop (and save) after this many minutes of this run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--restart", action="store_true", help="ignore a saved training state")
    parser.add_argument("--init-from", help="train: start from this weights folder (fine-tuning), not from scratch")
    parser.add_argument("--out", default=str(SHIPPED_WEIGHTS))
    parser.add_argument("--max-images", type=int, help="eval: at most this many images per set")
    parser.add_argument("--methods", default="telea,navier-stokes,biharmonic,learned,learned-x8",
                        help="eval: methods to run (learned-x8: the learned network's 8-orientation self-ensemble)")
    parser.add_argument("--sets", default=",".join(EVAL_SETS), help="eval: test sets to run (the table reads "
                        "every set's cached results, so two processes can run one set each)")
    parser.add_argument("--model", help="eval: learned weights folder (default: shipped)")
    parser.add_argument("--keep-learned", action="store_true", help="eval: reuse cached learned results")
    parser.add_argument("--smoke", action="store_true", help="tiny run; no results written")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.phase in ("train", "export"):
        train(args)
    else:
        evaluate(args)


if __name__ == "__main__":
    main()
