"""A tiny CelebA written in the real formats (14 generated JPEGs of 178x218 and the label files), no CelebA image."""

from __future__ import annotations

from PIL import Image

NAMES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
).split()
BEARD_COLUMNS = ("Male", "5_o_Clock_Shadow", "Mustache", "Goatee", "No_Beard")

# the beard rule, row by row: (Male, 5_o_Clock_Shadow, Mustache, Goatee, No_Beard) -> domain
BEARD_TABLE = {
    "clean-shaven man": ((1, 0, 0, 0, 1), "a"),
    "full beard": ((1, 0, 0, 0, 0), "b"),
    "moustache only": ((1, 0, 1, 0, 1), "b"),
    "goatee only": ((1, 0, 0, 1, 1), "b"),
    "stubble and a beard": ((1, 1, 0, 0, 0), None),
    "stubble, no beard": ((1, 1, 0, 0, 1), None),
    "stubble and a moustache": ((1, 1, 1, 0, 1), None),
    "woman": ((0, 0, 0, 0, 1), None),
    "woman labelled bearded": ((0, 0, 0, 0, 0), None),
}

# the fixture: (partition, Eyeglasses, beard row); image k is 0000k.jpg, its red level encodes k
ROWS = [
    (0, 1, "clean-shaven man"),
    (0, 0, "full beard"),
    (0, 0, "moustache only"),
    (0, 1, "goatee only"),
    (0, 0, "stubble and a beard"),
    (0, 0, "woman"),
    (0, 0, "clean-shaven man"),
    (0, 0, "woman labelled bearded"),
    (1, 1, "full beard"),
    (1, 0, "clean-shaven man"),
    (2, 1, "stubble, no beard"),
    (2, 0, "full beard"),
    (2, 0, "clean-shaven man"),
    (2, 0, "stubble and a moustache"),
]
STRIP = (255, 255, 255)  # the 20 rows above and below the central square, which the crop must drop


def filename(k: int) -> str:
    return f"{k:06d}.jpg"


def colour(k: int, glasses: int) -> tuple:
    return (40 + 12 * k, 220 if glasses else 20, 60)


def attribute_lines(rows=ROWS) -> list[str]:
    lines = [str(len(rows)), " ".join(NAMES)]
    for k, (_, glasses, beard) in enumerate(rows, start=1):
        values = dict.fromkeys(NAMES, -1) | {"Eyeglasses": 1 if glasses else -1}
        values |= {c: 1 if v else -1 for c, v in zip(BEARD_COLUMNS, BEARD_TABLE[beard][0])}
        lines.append(filename(k) + " " + " ".join(f"{values[n]:2d}" for n in NAMES))  # " 1" / "-1": two spaces
    return lines


def write_celeba(root, rows=ROWS):
    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    (folder / "list_attr_celeba.txt").write_text("\n".join(attribute_lines(rows)) + "\n")
    (folder / "list_eval_partition.txt").write_text(
        "".join(f"{filename(k)} {p}\n" for k, (p, _, _) in enumerate(rows, start=1))
    )
    for k, (_, glasses, _) in enumerate(rows, start=1):
        image = Image.new("RGB", (178, 218), STRIP)
        image.paste(colour(k, glasses), (0, 20, 178, 198))
        image.save(folder / "img_align_celeba" / filename(k), quality=95)
    return root
