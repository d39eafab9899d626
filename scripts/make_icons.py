"""Draw the guard app's icons with Pillow: `python scripts/make_icons.py` writes static/icons
(committed PNGs; rerun after a design change).

A moon over a shield on the night theme's background. The maskable icon keeps its drawing
inside the central 80 % safe zone, with the background reaching the edges.
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "icons"
BG = (11, 15, 20)
ACCENT = (255, 176, 32)
SHIELD = (30, 38, 49)


def draw(size: int, scale: float, rounded: bool) -> Image.Image:
    big = size * 4  # draw large, then downsample for smooth edges
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    if rounded:
        d.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BG)
    else:
        d.rectangle((0, 0, big, big), fill=BG)
    c = big / 2
    r = big * 0.36 * scale
    # Shield: a rounded top and a point at the bottom.
    top, bottom = c - r, c + r * 1.05
    d.polygon(
        [
            (c - r * 0.85, top),
            (c + r * 0.85, top),
            (c + r * 0.85, c + r * 0.15),
            (c, bottom),
            (c - r * 0.85, c + r * 0.15),
        ],
        fill=SHIELD,
        outline=ACCENT,
        width=max(4, int(big * 0.02)),
    )
    # Crescent moon: a disc minus an offset disc.
    mr = r * 0.48
    mx, my = c, c - r * 0.05
    d.ellipse((mx - mr, my - mr, mx + mr, my + mr), fill=ACCENT)
    d.ellipse((mx - mr * 0.55, my - mr * 1.05, mx + mr * 1.35, my + mr * 0.75), fill=SHIELD)
    return image.resize((size, size), Image.LANCZOS)


def palette(image: Image.Image) -> Image.Image:
    """64 colours are plenty for three flat colours and their smoothed edges, and a quarter of
    the bytes of full colour (icon-192 is precached on every phone: 8.7 -> 2.1 KB)."""
    return image.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    palette(draw(192, 1.0, True)).save(OUT / "icon-192.png", optimize=True)
    palette(draw(512, 1.0, True)).save(OUT / "icon-512.png", optimize=True)
    maskable = draw(512, 0.78, False).convert("RGB")
    palette(maskable).save(OUT / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
