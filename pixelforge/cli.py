"""The `pixelforge` command: argument parsing and printing only; every command calls the library."""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__

DEFAULT_DATA_HELP = "a dataset name (mnist, fashion-mnist, cifar10, embedded-mnist) or a path to files/folders"


def _add_data_options(parser: argparse.ArgumentParser, split: str) -> None:
    parser.add_argument("--split", default=split, help=f"dataset split (default: {split})")
    parser.add_argument("--image-size", type=int, help="resize and center-crop images to this size")
    parser.add_argument("--channels", type=int, choices=(1, 3), help="convert images to gray (1) or RGB (3)")
    parser.add_argument("--data-root", help="where named datasets live (default: $PIXELFORGE_DATA or a cache dir)")
    parser.add_argument("--skip-unreadable", action="store_true", help="skip unreadable images in a folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pixelforge", description="Generate and edit images with neural networks.")
    parser.add_argument("--version", action="version", version=f"pixelforge {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    models = commands.add_parser("models", help="list the registered models, or show one's options")
    models.add_argument("name", nargs="?", help="show this model's config options and defaults")

    data = commands.add_parser("data", help="list, inspect or download datasets")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    data_commands.add_parser("list", help="the named datasets")
    inspect = data_commands.add_parser("inspect", help="counts, shapes, classes and pixel statistics")
    inspect.add_argument("source", help=DEFAULT_DATA_HELP)
    _add_data_options(inspect, "train")
    inspect.add_argument("--grid", help="also save a PNG grid of the first 64 images here")
    download = data_commands.add_parser("download", help="download a named dataset into the data root")
    download.add_argument("name")
    download.add_argument("--data-root")

    train = commands.add_parser("train", help="train a model; resumable, runs under torchrun for DDP")
    train.add_argument("model", help="a registered model name (see `pixelforge models`)")
    train.add_argument("--data", help=DEFAULT_DATA_HELP + " (default: embedded-mnist; with --resume: the run's own)")
    train.add_argument("--out", required=True, help="run folder: checkpoints, samples, metrics.jsonl")
    train.add_argument("--steps", type=int)
    train.add_argument("--max-minutes", type=float, help="wall-clock budget: stop and checkpoint after it, even "
                       "before --steps (resuming gives a fresh budget)")
    train.add_argument("--batch-size", type=int)
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--seed", type=int)
    train.add_argument("--device", help="auto (default), cpu, cuda, cuda:N")
    train.add_argument("--resume", action="store_true", help="continue from the run folder's latest checkpoint")
    train.add_argument("--init-from", metavar="WEIGHTS", help="start from these saved weights (a weights, checkpoint "
                       "or run folder of the same model and options) with a fresh optimizer: fine-tuning")
    train.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                       help="model options, e.g. --set latent_dim=16 likelihood=logistic")
    train.add_argument("--train", nargs="*", default=[], metavar="KEY=VALUE", dest="train_options",
                       help="training options, e.g. --train ema_decay=0.999 lr_schedule=cosine precision=bf16")
    _add_data_options(train, "train")
    train.add_argument("--augment", choices=("none", "flip", "crop", "flip_crop"), default="none",
                       help="random training augmentation (flip_crop: CIFAR-style flips and padded crops)")

    sample = commands.add_parser("sample", help="sample images from a checkpoint into a PNG grid")
    sample.add_argument("checkpoint", help="a checkpoint folder or a run folder")
    sample.add_argument("--num-samples", type=int, default=64)
    sample.add_argument("--out", required=True, help="output PNG file")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--label", type=int, help="class to sample (conditional models; default: all in turn)")
    sample.add_argument("--nrow", type=int, help="images per row")
    sample.add_argument("--weights", choices=("ema", "raw"), default="ema")
    sample.add_argument("--device", default="auto")
    layout = sample.add_mutually_exclusive_group()
    layout.add_argument("--interpolate", type=int, metavar="N",
                        help="instead of samples: N rows, each a walk between two random latents")
    layout.add_argument("--class-grid", action="store_true",
                        help="instead of samples (conditional models): one row per class, --nrow columns "
                             "(default 8), each column one latent")
    sample.add_argument("--steps-between", type=int, metavar="K",
                        help="with --interpolate: images between the two ends of a row (default: 6)")
    sample.add_argument("--method", choices=("slerp", "lerp"),
                        help="with --interpolate: spherical (default) or linear interpolation")
    sample.add_argument("--sampler", choices=("ddpm", "ddim", "dpm++"),
                        help="diffusion models: ancestral, DDIM or DPM-Solver++(2M) (fewest steps)")
    sample.add_argument("--sampling-steps", type=int, help="diffusion models: denoising steps (default: the config's)")
    sample.add_argument("--eta", type=float, help="diffusion models: DDIM noise (0 = deterministic)")
    sample.add_argument("--guidance", type=float, help="conditional diffusion models: classifier-free guidance scale")

    edit = commands.add_parser("edit", help="edit images with a trained model")
    edit_commands = edit.add_subparsers(dest="edit_command", required=True, metavar="ACTION")
    invert = edit_commands.add_parser("invert", help="find a GAN's (or VAE decoder's) latent for an image")
    invert.add_argument("source", metavar="IN", help="an image file (png, jpg, ...), resized to the model's size")
    invert.add_argument("out", metavar="OUT", help="output PNG: [input | reconstruction]; the latent goes "
                                                   "beside it as OUT with suffix .latent.safetensors")
    invert.add_argument("--model", required=True, help="a checkpoint folder or a run folder")
    invert.add_argument("--steps", type=int, default=300, help="optimizer steps per restart (default: 300)")
    invert.add_argument("--restarts", type=int, default=2, help="random starting latents; the best is kept")
    invert.add_argument("--label", type=int, help="the image's class (conditional models)")
    invert.add_argument("--seed", type=int, default=0)
    invert.add_argument("--device", default="auto")
    _add_completion_parser(edit_commands)

    _add_diffusion_edit_parsers(edit_commands)
    _add_style_and_colorize_parsers(edit_commands)
    _add_restore_parsers(edit_commands)

    evaluate = commands.add_parser("eval", help="evaluate a checkpoint; writes evaluation.json beside it")
    evaluate.add_argument("checkpoint")
    evaluate.add_argument("--data", help=DEFAULT_DATA_HELP + " (default: the training dataset)")
    evaluate.add_argument("--split", default="test")
    evaluate.add_argument("--data-root")
    evaluate.add_argument("--metrics", default="auto",
                          help="comma-separated: nll, accuracy (classifiers), fid, kid, pr (precision/recall), "
                               "is (Inception Score), domain_fid (28x28 digits, shipped MNIST classifier); "
                               "auto (default): nll where the model has a likelihood, accuracy for classifiers, "
                               "else domain_fid (28x28 gray) or fid")
    evaluate.add_argument("--importance-samples", type=int, help="k of the importance-weighted bound")
    evaluate.add_argument("--limit", type=int, help="evaluate on the first N images only")
    evaluate.add_argument("--num-samples", type=int, help="samples for fid/kid/pr/is (default: as many as images)")
    evaluate.add_argument("--batch-size", type=int, default=100, help="sampling batch size (default: 100)")
    evaluate.add_argument("--fid-resize", choices=("legacy", "clean"), default="legacy",
                          help="resize to 299x299: legacy (bilinear, pytorch-fid) or clean (antialiased bicubic)")
    evaluate.add_argument("--feature-weights",
                          help="Inception weights: TorchScript or pytorch-fid .pth (default: fid-helper's default_1.pt)")
    evaluate.add_argument("--compile", action="store_true",
                          help="torch.compile the Inception network: 1.1x faster feature extraction on CPU after a "
                               "one-off compilation of about a minute (worth it from a few thousand images; needs "
                               "a C++ compiler); same values to float32 rounding")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--device", default="auto")

    info = commands.add_parser("info", help="show a checkpoint's model, data, training and evaluation")
    info.add_argument("checkpoint")

    explain = commands.add_parser("explain", help="explain a checkpoint's view of images: heatmaps or neighbours")
    explain.add_argument("checkpoint", help="a checkpoint folder or a run folder")
    explain.add_argument("source", metavar="IMAGE_OR_DATA", help="an image file, or " + DEFAULT_DATA_HELP)
    explain.add_argument("--method", choices=("saliency", "gradcam", "neighbours", "nll"), default="gradcam",
                         help="saliency/gradcam: classifiers; nll: per-pixel likelihood models; "
                              "neighbours: nearest training images (default: gradcam)")
    explain.add_argument("--out", help="output PNG file (default, for one image file IN.png: IN.METHOD.png beside "
                                        "it, e.g. digit.nll.png)")
    explain.add_argument("--data", help="the set searched by --method neighbours (default: the training data)")
    explain.add_argument("--split", default="test", help="split of IMAGE_OR_DATA (default: test)")
    explain.add_argument("--count", type=int, default=8, help="explain the first N images (default: 8)")
    explain.add_argument("--data-root")
    explain.add_argument("--device", default="auto")

    export = commands.add_parser("export", help="write a checkpoint's sampling weights (config.json + "
                                 "model.safetensors) into a new folder, e.g. for shipping")
    export.add_argument("checkpoint", metavar="RUN", help="a checkpoint folder or a run folder")
    export.add_argument("out", metavar="OUT", help="the new folder")
    export.add_argument("--fp16", action="store_true", help="store the weights in float16 (half the size)")
    export.add_argument("--weights", choices=("ema", "raw"), default="ema")
    export.add_argument("--results", help="a benchmark results JSON whose metrics to record in the exported config")

    studio = commands.add_parser("studio", help="the web studio: generate, edit, explore and evaluate in a browser")
    studio.add_argument("--port", type=int, default=7860)
    studio.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default: 127.0.0.1, this machine only)")
    studio.add_argument("--checkpoints", action="append", default=[], metavar="DIR",
                        help="a folder of checkpoints or run folders to offer beside the shipped models (repeatable)")
    studio.add_argument("--max-pixels", type=int, default=4_000_000,
                        help="refuse uploaded images with more pixels than this (default: 4,000,000)")
    studio.add_argument("--share", action="store_true", help="ask Gradio for a public share link (off by default)")

    quick = commands.add_parser("quickstart", help="train a VAE on the embedded MNIST and write an HTML report")
    quick.add_argument("--out", default="pixelforge-quickstart")
    quick.add_argument("--steps", type=int, default=3000)
    quick.add_argument("--seed", type=int, default=0)
    return parser


def _add_diffusion_edit_parsers(edit_commands) -> None:
    """`edit img2img` and `edit interpolate`: editing with a diffusion checkpoint (`edit inpaint`: every method)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", required=True, help="a diffusion checkpoint folder or run folder")
    common.add_argument("--sampling-steps", type=int, help="denoising steps (default: inpaint all T, img2img "
                        "strength x the config's sampling_steps, interpolate the config's sampling_steps)")
    common.add_argument("--label", type=int, help="class to condition on (conditional models; default: none)")
    common.add_argument("--seed", type=int, default=0)
    common.add_argument("--device", default="auto")
    image_help = "an image file (png, jpg, ...), converted and resized to the model's channels and size"
    _add_inpaint_parser(edit_commands)
    img2img = edit_commands.add_parser("img2img", parents=[common], help="noise an image, then denoise it (SDEdit)")
    img2img.add_argument("source", metavar="IN", help=image_help)
    img2img.add_argument("out", metavar="OUT", help="output image file")
    img2img.add_argument("--strength", type=float, required=True, help="noise level in (0, 1]; 1 = from pure noise")
    img2img.add_argument("--sampler", choices=("ddpm", "ddim"), default="ddim")
    img2img.add_argument("--eta", type=float, default=0.0, help="DDIM noise (default: 0)")
    img2img.add_argument("--guidance", type=float, help="classifier-free guidance scale (with --label)")
    between = edit_commands.add_parser("interpolate", parents=[common],
                                       help="DDIM-invert two images and walk between their noise (slerp)")
    between.add_argument("first", metavar="A", help=image_help)
    between.add_argument("second", metavar="B", help=image_help)
    between.add_argument("out", metavar="OUT", help="output image file: one row of --steps images")
    between.add_argument("--steps", type=int, default=8, help="images in the row, ends included (default: 8)")


def _add_restore_parsers(edit_commands) -> None:
    """`edit superres` and `edit denoise`: the small shipped restoration networks, any image size."""
    superres = edit_commands.add_parser("superres", help="upscale an image by 2, 3 or 4 (shipped network)",
                                        description="Gray, RGB and RGBA keep their mode; large images are tiled.")
    superres.add_argument("source", metavar="IN", help="an image file (gray, RGB or RGBA)")
    superres.add_argument("out", metavar="OUT", help="output image file")
    superres.add_argument("--scale", type=int, choices=(2, 3, 4), default=2, help="upscaling factor (default: 2)")
    superres.add_argument("--network", choices=("edsr", "espcn"), default="edsr",
                          help="edsr: the quality model (default); espcn: about 15x faster, 0.1-0.25 dB lower")
    denoise = edit_commands.add_parser("denoise", help="remove Gaussian noise (shipped FFDNet-style network)",
                                       description="Gray, RGB and RGBA keep their mode; large images are tiled.")
    denoise.add_argument("source", metavar="IN", help="an image file (gray, RGB or RGBA)")
    denoise.add_argument("out", metavar="OUT", help="output image file")
    denoise.add_argument("--sigma", type=float, help="noise level on 0..255 if known (optional: estimated from "
                                                     "the image when not given; levels above 55 are scaled into the "
                                                     "trained range)")
    denoise.add_argument("--general-model", action="store_true",
                         help="the general model even when --sigma has its own shipped model (25)")
    for command in (superres, denoise):
        command.add_argument("--ensemble", action="store_true",
                             help="average the network over the 8 flips and rotations (8x slower, slightly better)")


def _add_style_and_colorize_parsers(edit_commands) -> None:
    """`edit style` (optimization or a fast network) and `edit colorize` (shipped colorizer)."""
    style = edit_commands.add_parser("style", help="repaint an image in the style of another (neural style transfer)",
                                     description="Gray inputs come out RGB; RGBA inputs keep their alpha.")
    style.add_argument("source", metavar="IN", help="an image file (gray, RGB or RGBA)")
    style.add_argument("out", metavar="OUT", help="output image file (png keeps alpha)")
    how = style.add_mutually_exclusive_group(required=True)
    how.add_argument("--style", dest="style_image", metavar="STYLE_IMAGE",
                     help="a painting to imitate, by optimizing the image (Gatys et al.; minutes on a CPU)")
    how.add_argument("--fast", metavar="STYLE_MODEL",
                     help="a shipped style name (e.g. starry_night) or a weights folder (one forward pass)")
    style.add_argument("--steps", type=int, default=300, help="optimization steps with --style (default: 300)")
    style.add_argument("--max-size", type=int, default=512,
                       help="work with the long side at most this many pixels (default: 512)")
    colorize = edit_commands.add_parser("colorize", help="colour a gray image with the shipped colorizer",
                                        description="Colour inputs are first reduced to their lightness; "
                                                    "RGBA inputs keep their alpha.")
    colorize.add_argument("source", metavar="IN", help="an image file (gray, RGB or RGBA)")
    colorize.add_argument("out", metavar="OUT", help="output image file")
    colorize.add_argument("--model", default="colorize_cifar_t91",
                          help="a shipped colorizer name or a weights folder (default: colorize_cifar_t91)")


def _add_inpaint_parser(edit_commands) -> None:
    """`edit inpaint`: fill the white pixels of a mask, by the learned network, classically or by RePaint."""
    inpaint = edit_commands.add_parser(
        "inpaint", help="fill the masked pixels of an image (learned U-Net, OpenCV, biharmonic or RePaint)",
        description="Fill the pixels of IN where MASK is white; known (black) pixels are kept exactly. Gray, RGB "
                    "and RGBA images of any size (diffusion: resized and cropped to the model's size).")
    inpaint.add_argument("source", metavar="IN", help="an image file (png, jpg, ...): gray, RGB or RGBA")
    inpaint.add_argument("out", metavar="OUT", help="output image file")
    inpaint.add_argument("--mask", required=True, help="gray image of IN's size: WHITE = fill (the hole), black = "
                         "keep; gray levels are thresholded at 128")
    inpaint.add_argument("--method", default="learned",
                         choices=("learned", "telea", "navier-stokes", "biharmonic", "diffusion", "inversion"),
                         help="learned (default: shipped gated-conv U-Net), OpenCV telea / navier-stokes, "
                              "scikit-image biharmonic, diffusion (RePaint, needs --model) or inversion (the "
                              "GAN/VAE image whose latent best matches the known pixels, needs --model)")
    inpaint.add_argument("--model", help="--method learned: an inpainting weights folder (default: shipped); "
                         "--method diffusion / inversion: a diffusion / GAN or VAE checkpoint or run folder")
    inpaint.add_argument("--ensemble", action="store_true", help="--method learned: average the network over the "
                         "8 flips and rotations (8x slower, about +0.1 dB)")
    inpaint.add_argument("--sampling-steps", type=int, help="diffusion: denoising steps (default: all T)")
    inpaint.add_argument("--jump-length", type=int, default=10, help="diffusion: RePaint jump length (default: 10)")
    inpaint.add_argument("--resamplings", type=int, default=1, help="diffusion: RePaint resamplings r (default: 1)")
    inpaint.add_argument("--label", type=int, help="diffusion, inversion: class to condition on (conditional "
                         "models)")
    inpaint.add_argument("--seed", type=int, default=0)
    inpaint.add_argument("--device", default="auto")


def _add_completion_parser(edit_commands) -> None:
    """`edit complete`: fill in the unknown pixels of an image with an autoregressive checkpoint."""
    complete = edit_commands.add_parser(
        "complete", help="complete an image's unknown pixels with an autoregressive model",
        description="Fill in the unknown pixels of IN, in raster order, each conditioned on every known or "
                    "generated pixel before it. Known pixels AFTER a pixel (below it, or right of it on its row) "
                    "are NOT conditioned on: an autoregressive model cannot look ahead. Known pixels are kept "
                    "exactly. OUT gets one row: the input, the masked input (unknown pixels gray), the completions.")
    complete.add_argument("source", metavar="IN", help="an image of exactly the model's size and kind (gray/RGB); "
                                                      "binarized models threshold it at mid-gray")
    complete.add_argument("out", metavar="OUT", help="output image file (png, ...)")
    known = complete.add_mutually_exclusive_group(required=True)
    known.add_argument("--mask", help="a gray image of IN's size: WHITE = KNOWN pixel, black = to complete "
                       "(the opposite of `edit inpaint`, whose white = fill)")
    known.add_argument("--occlude", choices=("bottom-half", "top-half", "right-half", "left-half", "centre"),
                       help="instead of --mask: hide this region and complete it")
    complete.add_argument("--model", required=True, help="an autoregressive checkpoint folder or run folder")
    complete.add_argument("--num", "--num-completions", dest="num_completions", type=int, default=8,
                          help="completions, side by side (default: 8)")
    complete.add_argument("--label", type=int, help="the image's class (class-conditional models)")
    complete.add_argument("--sampling", choices=("fast", "naive"), default="fast",
                          help="fast: cached activations (default); naive: rerun the network per pixel (same result)")
    complete.add_argument("--seed", type=int, default=0)
    complete.add_argument("--device", default="auto")


def main(argv: list[str] | None = None) -> int:
    from .errors import PixelforgeError

    args = build_parser().parse_args(argv)
    try:
        from . import commands
        return getattr(commands, f"run_{args.command}")(args) or 0
    except PixelforgeError as error:
        print(f"pixelforge: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pixelforge: interrupted", file=sys.stderr)
        return 130


def rank_zero() -> bool:
    return os.environ.get("RANK", "0") == "0"


def print_json(data) -> None:
    print(json.dumps(data, indent=2, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
