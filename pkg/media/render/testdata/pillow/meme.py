#!/usr/bin/env python3
"""Render the BenchmarkRenderMeme meme (or, with "boxes" in the spec, the
BenchmarkRenderTemplate template meme) with Pillow, the way memegen does it,
and print the time per meme. `make bench` runs it next to the Go benchmark.

Same input photo, same font file, same captions, same layout rules: classic
top/bottom boxes, upper case, wrap by length into up to 4 lines, shrink the
font a pixel at a time from image height / 9 until the text fits, white fill with a black stroke
(stroke_width), JPEG at the quality we ship. Fonts are cached per size and the
photo is decoded once, so only the per-meme work is timed, as in Go.
"""
import argparse
import io
import json
import math
import textwrap
import time

import PIL
from PIL import Image, ImageDraw, ImageFont

MARGIN_X, MARGIN_Y, BOX_H, MAX_LINES = 0.04, 0.03, 0.26, 4
MAX_SIZE_DIV, MIN_SIZE_DIV, STROKE_EM = 9, 26, 0.075
CHARS_PER_LINE = 24  # memegen wraps by character count, not by measured width

_fonts = {}


def font(path, size):
    f = _fonts.get(size)
    if f is None:
        f = _fonts[size] = ImageFont.truetype(path, size)
    return f


def wrap(text, n):
    """Split text into n lines of about equal length, as memegen splits."""
    return textwrap.wrap(text, width=max(1, math.ceil(len(text) / n))) or [""]


def fit(path, text, box_w, box_h, max_size, min_size):
    """memegen's shrink-to-fit: wrap by length, then step the font size
    down from the maximum until the wrapped text fits the box."""
    n = min(MAX_LINES, max(1, math.ceil(len(text) / CHARS_PER_LINE)))
    lines = wrap(text, n)
    for size in range(max_size, min_size - 1, -1):
        f = font(path, size)
        stroke = max(1, round(size * STROKE_EM))
        widest = max(f.getlength(line) for line in lines) + 2 * stroke
        height = size * 1.08 * len(lines) + 2 * stroke
        if widest <= box_w and height <= box_h:
            return f, lines, stroke
    return font(path, min_size), lines, max(1, round(min_size * STROKE_EM))


def meme(photo, path, top, bottom, quality):
    img = photo.copy()
    w, h = img.size
    draw = ImageDraw.Draw(img)
    box_w, box_h = w * (1 - 2 * MARGIN_X), h * BOX_H
    max_size = int(h / MAX_SIZE_DIV)
    min_size = max(12, int(min(w, h) / MIN_SIZE_DIV))
    for text, bottom_aligned in ((top, False), (bottom, True)):
        if not text:
            continue
        f, lines, stroke = fit(path, text.upper(), box_w, box_h, max_size, min_size)
        body = "\n".join(lines)
        spacing = round(f.size * 0.08)
        if bottom_aligned:
            y = h * (1 - MARGIN_Y) - (f.size * 1.08 * len(lines) + stroke)
        else:
            y = h * MARGIN_Y + stroke
        draw.multiline_text((w / 2, y), body, font=f, fill="white", anchor="ma", align="center",
                            spacing=spacing, stroke_width=stroke, stroke_fill="black")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def boxes_meme(photo, path, boxes, quality):
    """A template meme: each box (fractions of the picture) fitted the same
    way, outlined styles with a stroke, plain ones without."""
    img = photo.copy()
    w, h = img.size
    draw = ImageDraw.Draw(img)
    for b in boxes:
        if not b["text"]:
            continue
        box_w, box_h = w * b["w"], h * b["h"]
        text = b["text"].upper() if b["upper"] else b["text"]
        f, lines, stroke = fit(path, text, box_w, box_h, int(b["max_size"]), int(b["min_size"]))
        if not b["stroke"]:
            stroke = 0
        body = "\n".join(lines)
        spacing = round(f.size * 0.08)
        y = h * b["y"] + (box_h - (f.size * 1.08 * len(lines))) / 2
        fill = "white" if b["stroke"] else "#141414"
        draw.multiline_text((w * (b["x"] + b["w"] / 2), y), body, font=f, fill=fill, anchor="ma", align="center",
                            spacing=spacing, stroke_width=stroke, stroke_fill="black")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spec", help="meme.json written by BenchmarkRenderMeme (RENDER_BENCH_DIR)")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--out", help="also write one meme here, to look at")
    a = ap.parse_args()
    with open(a.spec) as f:
        spec = json.load(f)
    photo = Image.open(spec["photo"]).convert("RGB")
    if "boxes" in spec:
        make, args = boxes_meme, (photo, spec["font"], spec["boxes"], spec["quality"])
    else:
        make, args = meme, (photo, spec["font"], spec["top"], spec["bottom"], spec["quality"])
    data = b""
    for _ in range(5):  # warm up: font cache, allocator
        data = make(*args)
    if a.out:
        with open(a.out, "wb") as f:
            f.write(data)
    best = math.inf
    for _ in range(3):  # best of three runs of n, like benchstat's min
        t0 = time.perf_counter()
        for _ in range(a.n):
            make(*args)
        best = min(best, (time.perf_counter() - t0) / a.n)
    print(f"Pillow {PIL.__version__}: {best * 1000:.2f} ms/meme, {len(data)} bytes")


if __name__ == "__main__":
    main()
