"""The studio's Gradio layout and callbacks: every callback is a few lines over StudioService."""

from __future__ import annotations

import functools
import inspect
import logging
import traceback

import gradio as gr

from ..errors import PixelforgeError
from .operations import default_inpaint_method, readiness, inpaint_methods, style_choices
from .service import StudioService, mask_from_editor

LOG = logging.getLogger("pixelforge.studio")
INFERENCE = {"concurrency_id": "inference", "concurrency_limit": 1}  # CPU work is queued, one job at a time
EDIT_OPERATIONS = ["inpaint", "superres", "denoise", "restyle", "colorize"]


def _failure_message(error: Exception) -> str:
    if isinstance(error, PixelforgeError):
        return f"**Error:** {error}"
    LOG.error("studio callback failed:\n%s", traceback.format_exc())
    return f"**Error:** unexpected {type(error).__name__}: {error}"


def guarded(outputs: int):
    """Wrap a callback returning (*results, message): an error leaves results empty and shows its message."""
    def wrap(function):
        @functools.wraps(function)
        def run(*args):
            try:
                return function(*args)
            except Exception as error:  # the server keeps serving; the user sees one clear line
                return (*([None] * outputs), _failure_message(error))
        return run
    return wrap


def _model_choice(service: StudioService, elem_id: str) -> gr.Dropdown:
    labels = service.model_labels()
    return gr.Dropdown(labels, value=labels[0] if labels else None, label="Model", elem_id=elem_id)


def _describe(service: StudioService, choice: str) -> str:
    entry = service.entry(choice)
    classes = f"; classes 0..{entry.num_classes - 1}" if entry.num_classes else ""
    return f"{entry.summary}{classes}"


def _generate_tab(service: StudioService) -> None:
    with gr.Row():
        with gr.Column(scale=1):
            model = _model_choice(service, "generate-model")
            info = gr.Markdown(_describe(service, service.model_labels()[0]) if service.entries else
                               "no models: `pixelforge studio --checkpoints DIR`", elem_id="generate-info")
            seed = gr.Number(0, label="Seed", precision=0, elem_id="generate-seed")
            count = gr.Slider(1, 64, value=16, step=1, label="Number of images")
            label = gr.Number(-1, label="Class (conditional models; -1 = every class in turn)", precision=0)
            truncation = gr.Slider(0, 3, value=0, step=0.1, label="Truncation (GANs; 0 = off)")
            guidance = gr.Slider(0, 10, value=0, step=0.5, label="Guidance (conditional diffusion; 0 = off)")
            steps = gr.Number(0, label="Sampling steps (diffusion; 0 = the model's)", precision=0)
            button = gr.Button("Generate", variant="primary", elem_id="generate-button")
        with gr.Column(scale=2):
            output = gr.Image(label="Samples", type="pil", elem_id="generate-output", format="png")
            status = gr.Markdown(elem_id="generate-status")
    gr.Markdown("### Interpolation strip between two seeds")
    with gr.Row():
        seed_a = gr.Number(0, label="Seed A", precision=0)
        seed_b = gr.Number(1, label="Seed B", precision=0)
        between = gr.Slider(2, 16, value=8, step=1, label="Images")
        walk = gr.Button("Interpolate", elem_id="interpolate-button")
    strip = gr.Image(label="Strip", type="pil", elem_id="interpolate-output", format="png")
    strip_status = gr.Markdown()

    @guarded(1)
    def generate(choice, seed_value, n, y, t, g, s):
        return service.generate(choice, seed_value, n, int(y), t, g, int(s or 0)), ""

    @guarded(1)
    def interpolate(choice, a, b, n, y):
        return service.interpolate_seeds(choice, a, b, n, int(y)), ""

    if service.entries:
        model.change(functools.partial(_describe, service), model, info)
    button.click(generate, [model, seed, count, label, truncation, guidance, steps], [output, status],
                 api_name="generate", **INFERENCE)
    walk.click(interpolate, [model, seed_a, seed_b, between, label], [strip, strip_status],
               api_name="interpolate", **INFERENCE)


def _edit_tab(service: StudioService) -> None:
    unready = readiness()
    notes = [f"- {op}: {message}" for op, message in unready.items()]
    if notes:
        gr.Markdown("\n".join(notes), elem_id="edit-availability")
    with gr.Row():
        with gr.Column():
            upload = gr.File(label="Image (PNG, JPEG, WebP, TIFF ...)", type="filepath", elem_id="edit-upload")
            upload_status = gr.Markdown(elem_id="edit-upload-status")
            editor = gr.ImageEditor(label="Draw the mask for inpainting (drawn = fill)", type="numpy",
                                    sources=(), elem_id="edit-editor", layers=False,
                                    brush=gr.Brush(colors=["#ff0000"], default_size=20))
            mask = gr.File(label="... or a mask image (white = fill)", type="filepath", elem_id="edit-mask")
        with gr.Column():
            operation = gr.Radio(EDIT_OPERATIONS, value="inpaint", label="Operation", elem_id="edit-operation")
            method = gr.Dropdown(inpaint_methods(), value=default_inpaint_method(), elem_id="edit-method",
                                 label="Inpainting method (learned: shipped network, best in benchmarks/results/inpaint.json; "
                                       "learned x8: its mean over 8 flips/turns, +0.1 dB, 8x slower; "
                                       "telea, navier-stokes: OpenCV; biharmonic: scikit-image)")
            upscaler = gr.Radio(["network", "fast network", "bicubic"], elem_id="edit-sr-method",
                                label="Super-resolution method (network: EDSR; fast network: ESPCN)",
                                value="bicubic" if "superres" in unready else "network")
            scale = gr.Radio([2, 3, 4], value=2, label="Super-resolution scale", elem_id="edit-scale")
            sigma = gr.Number(0, label="Noise level sigma on 0..255 (denoise; 0 = estimate it)")
            styles = style_choices()
            style = gr.Dropdown(styles, value=styles[0] if styles else None, label="Style (restyle)",
                                elem_id="edit-style", allow_custom_value=True)
            run = gr.Button("Apply", variant="primary", elem_id="edit-button")
    status = gr.Markdown(elem_id="edit-status")
    with gr.Row():
        result = gr.Image(label="Result", type="pil", elem_id="edit-result", format="png")
        compare = gr.Image(label="Before | after", type="pil", elem_id="edit-compare", format="png")

    @guarded(1)
    def loaded(path):
        picture = service.load_upload(path)
        return picture.image, picture.message()

    @guarded(2)
    def apply(path, drawn, mask_path, op, inpainter, sr_method, s, noise, style_name):
        image = service.load_upload(path).image
        hole = mask_path or mask_from_editor(drawn)
        method_name = {"inpaint": inpainter, "superres": sr_method}.get(op, "")
        result, compare = service.edit(op, image, hole, method_name, int(s), float(noise or 0) or None, style_name)
        return result, compare, f"{op} done: {result.width}x{result.height}"

    upload.upload(loaded, upload, [editor, upload_status], api_name="load_image")
    run.click(apply, [upload, editor, mask, operation, method, upscaler, scale, sigma, style], [result, compare, status],
              api_name="edit", **INFERENCE)


def _explore_tab(service: StudioService) -> None:
    model = _model_choice(service, "explore-model")
    gr.Markdown("### Latent interpolation between two images (GAN/VAE inversion)")
    with gr.Row():
        first = gr.File(label="Image A", type="filepath", elem_id="explore-first")
        second = gr.File(label="Image B", type="filepath", elem_id="explore-second")
        steps = gr.Slider(2, 12, value=6, step=1, label="Images between")
    walk = gr.Button("Invert and interpolate", elem_id="explore-walk-button")
    walk_out = gr.Image(label="A | walk | B", type="pil", format="png", elem_id="explore-walk-output")
    walk_status = gr.Markdown()
    gr.Markdown("### Nearest training neighbours of samples (memorization check, pixel distance)")
    with gr.Row():
        seed = gr.Number(0, label="Seed", precision=0)
        near = gr.Button("Sample and find neighbours", elem_id="neighbours-button")
    near_out = gr.Image(label="sample | 5 nearest training images", type="pil", format="png",
                        elem_id="neighbours-output")
    near_status = gr.Markdown()
    gr.Markdown("### Per-pixel NLL heat map (likelihood models: VAE, autoregressive)")
    with gr.Row():
        image = gr.File(label="Image", type="filepath", elem_id="explore-nll-image")
        heat = gr.Button("Heat map", elem_id="explore-nll-button")
    heat_out = gr.Image(label="image | -log p per pixel", type="pil", format="png", elem_id="explore-nll-output")
    heat_status = gr.Markdown()

    @guarded(1)
    def interpolate(choice, a, b, n):
        return service.interpolate_images(choice, a, b, int(n) + 2), ""

    @guarded(1)
    def neighbours(choice, seed_value):
        return service.neighbours(choice, seed_value), ""

    @guarded(1)
    def heat_map(choice, path):
        return service.nll_map(choice, path)

    walk.click(interpolate, [model, first, second, steps], [walk_out, walk_status], **INFERENCE)
    near.click(neighbours, [model, seed], [near_out, near_status], **INFERENCE)
    heat.click(heat_map, [model, image], [heat_out, heat_status], **INFERENCE)


def _evaluate_tab(service: StudioService) -> None:
    model = _model_choice(service, "evaluate-model")
    limit = gr.Number(500, label="Test images / samples for a checkpoint, evaluated live like `pixelforge eval` "
                                 "(which writes evaluation.json into it)", precision=0)
    button = gr.Button("Show metrics", elem_id="evaluate-button")
    report = gr.Markdown(elem_id="evaluate-report")

    def run(choice, n):
        try:
            return service.evaluate(choice, int(n))
        except Exception as error:  # noqa: BLE001 (shown, and the server keeps serving)
            return _failure_message(error)

    button.click(run, [model, limit], report, api_name="evaluate", **INFERENCE)


def offline_theme() -> gr.themes.Base:
    """The default theme with system fonts: the stock one fetches Google Fonts, and the studio works offline."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "monospace"])


THEME_AT_LAUNCH = "theme" in inspect.signature(gr.Blocks.launch).parameters  # Gradio 6; Gradio 5: Blocks(theme=)


def build_app(service: StudioService) -> gr.Blocks:
    options = {} if THEME_AT_LAUNCH else {"theme": offline_theme()}
    with gr.Blocks(title="pixelforge studio", analytics_enabled=False, **options) as app:
        gr.Markdown("# pixelforge studio\nGenerate, edit, explore and evaluate with the shipped models "
                    "(`pixelforge studio --checkpoints DIR` adds your own).")
        if service.missing_lines():
            gr.Markdown("\n".join(f"- {line}" for line in service.missing_lines()), elem_id="missing-models")
        with gr.Tab("Generate", elem_id="tab-generate"):
            _generate_tab(service)
        with gr.Tab("Edit", elem_id="tab-edit"):
            _edit_tab(service)
        with gr.Tab("Explore", elem_id="tab-explore"):
            _explore_tab(service)
        with gr.Tab("Evaluate", elem_id="tab-evaluate"):
            _evaluate_tab(service)
    return app
