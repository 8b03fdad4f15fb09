"""Boxes in pixels and in fractions of the image (`vision/boxes.py`)."""

from vision.boxes import BoxFraction, BoxPx


def test_a_pixel_box_as_fractions_of_its_image():
    box = BoxFraction.from_px(BoxPx(100, 50, 200, 100), image_width_px=400, image_height_px=200)

    assert box == BoxFraction(0.25, 0.25, 0.5, 0.5)
    assert box.as_dict() == {"left": 0.25, "top": 0.25, "width": 0.5, "height": 0.5}


def test_a_fraction_box_reaching_past_the_edges_is_clipped_to_the_image():
    clipped = BoxFraction.clipped(-0.1, 0.9, 0.3, 0.2)
    assert clipped.as_dict() == {"left": 0.0, "top": 0.9, "width": 0.2, "height": 0.1}
    outside = BoxFraction.clipped(1.2, 0.1, 0.3, 0.2)
    assert outside.as_dict() == {"left": 1.0, "top": 0.1, "width": 0.0, "height": 0.2}


def test_pixel_boxes_know_their_area_overlap_and_centre():
    face, other = BoxPx(10, 10, 20, 30), BoxPx(25, 35, 20, 20)

    assert (face.area, face.shorter_side) == (600, 20)
    assert face.overlaps(other) and other.overlaps(face)
    assert not face.overlaps(BoxPx(30, 10, 5, 5))  # touching edges do not overlap
    assert face.contains_centre_of(BoxPx(15, 20, 10, 10))
    assert not face.contains_centre_of(other)
