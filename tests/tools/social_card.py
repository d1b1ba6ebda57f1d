"""Draw static/img/social-card.png, the default picture for links shared from the site (og:image).

Run once by hand (`python tests/tools/social_card.py`, Pillow on the path) and commit the PNG; the
site never draws at run time. 1200 x 630: the size Open Graph and Twitter cards show large.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[2] / "static" / "img" / "social-card.png"
BRAND, BRAND_DARK, TINT = "#0b5c7a", "#083f54", "#e8f3f7"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FONT_REGULAR = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def main():
    image = Image.new("RGB", (1200, 630), BRAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 560, 1200, 630), fill=BRAND_DARK)
    # The favicon's cross, large, on a rounded tile.
    draw.rounded_rectangle((100, 165, 400, 465), radius=48, fill="white")
    unit = 300 / 32
    for x0, y0, x1, y1 in ((13, 6, 19, 26), (6, 13, 26, 19)):
        draw.rectangle((100 + x0 * unit, 165 + y0 * unit, 100 + x1 * unit, 165 + y1 * unit), fill=BRAND)
    draw.text((460, 200), "Spine and pain care", font=ImageFont.truetype(FONT, 56), fill="white")
    draw.text((460, 300), "Patient education", font=ImageFont.truetype(FONT_REGULAR, 52), fill=TINT)
    draw.text((460, 380), "Request a consultation online", font=ImageFont.truetype(FONT_REGULAR, 40), fill=TINT)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    image.save(OUT, optimize=True)
    print(f"Wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
