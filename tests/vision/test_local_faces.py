"""The local face collection through its interface, on real photos, its vectors in the
database store the accounts app hands it."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connections
from PIL import Image, ImageEnhance, ImageFilter

from accounts.collection import STORE
from accounts.models import StoredFace
from tests.uploads import sample_photo
from vision.faces import enrolment_gate, local_models
from vision.faces.base import FaceRejected, FaceRejection, QualityGate
from vision.faces.local import LocalFaceCollection, similarity_from_cosine
from vision.images import prepare_image

pytestmark = pytest.mark.django_db

THRESHOLD = settings.IMAGESIFT_MATCH_THRESHOLD  # the measured default


def image(path_or_pil):
    if isinstance(path_or_pil, Image.Image):
        out = io.BytesIO()
        path_or_pil.save(out, "JPEG", quality=95)
        return prepare_image(out.getvalue())
    return prepare_image(path_or_pil.read_bytes())


def local() -> LocalFaceCollection:
    """A local collection as a process of its own would build it."""
    return LocalFaceCollection(store=STORE)


def index(collection, path, key):
    return collection.index_face(image(path), person_key=key, gate=enrolment_gate())


def test_detects_every_face_largest_first(faces):
    detected = local().detect_faces(image(faces.multi(1)))
    assert len(detected) == 2
    assert detected[0].box.area >= detected[1].box.area
    assert all(face.sharpness > 0 and face.brightness > 0 for face in detected)
    assert local().detect_faces(image(faces.nonface()[0])) == []


def test_index_rejects_with_the_reason(faces):
    collection = local()
    with pytest.raises(FaceRejected) as rejected:
        index(collection, faces.multi(1), "1")
    assert rejected.value.reason == FaceRejection.SEVERAL_FACES
    with pytest.raises(FaceRejected) as rejected:
        index(collection, faces.nonface()[0], "1")
    assert rejected.value.reason == FaceRejection.NO_FACE
    assert not StoredFace.objects.exists()


@pytest.mark.parametrize(
    ("degrade", "reason"),
    [
        (lambda im: im.filter(ImageFilter.GaussianBlur(3)), FaceRejection.TOO_BLURRY),
        (lambda im: ImageEnhance.Brightness(im).enhance(0.2), FaceRejection.TOO_DARK),
    ],
    ids=["blurred", "dark"],
)
def test_enrolment_gate_rejects_blurry_and_dark_faces(faces, degrade, reason):
    """Degraded just enough that the face is still found, but not enough to trust it."""
    photo = Image.open(faces.of("Akhmed_Zakayev")[0]).convert("RGB")
    with pytest.raises(FaceRejected) as rejected:
        local().index_face(image(degrade(photo)), person_key="1", gate=enrolment_gate())
    assert rejected.value.reason == reason


def test_enrolment_gate_rejects_small_faces(faces):
    gate = QualityGate(min_face_px=150, min_sharpness=0, min_brightness=0)
    with pytest.raises(FaceRejected) as rejected:
        local().index_face(image(faces.of(faces.people_with(2)[0])[0]), person_key="1", gate=gate)
    assert rejected.value.reason == FaceRejection.FACE_TOO_SMALL
    assert "150 px" in rejected.value.detail


def test_real_photos_pass_the_enrolment_gate(faces):
    collection = local()
    for name in faces.people_with(5)[:6]:
        for path in faces.of(name)[:2]:
            assert index(collection, path, name).face_id


def test_search_uses_every_photo_of_a_person(faces):
    name, other = faces.people_with(4)[:2]
    collection = local()
    first, second = (index(collection, path, name) for path in faces.of(name)[:2])
    index(collection, faces.of(other)[0], other)

    search = collection.search_face(image(faces.of(name)[3]), threshold=THRESHOLD)

    assert search.best.person_key == name
    assert search.best.face_id in {first.face_id, second.face_id}
    assert search.faces_seen == 1


def test_a_change_by_another_process_is_seen(faces):
    """Each process caches the collection; the version tells it to reload."""
    name = faces.people_with(4)[0]
    here, elsewhere = local(), local()
    probe = image(faces.of(name)[3])
    assert here.search_face(probe, threshold=THRESHOLD).best is None  # cached, empty

    indexed = [index(elsewhere, path, name) for path in faces.of(name)[:2]]
    assert here.search_face(probe, threshold=THRESHOLD).best.person_key == name

    elsewhere.delete_faces([face.face_id for face in indexed])
    assert here.search_face(probe, threshold=THRESHOLD).best is None


def test_ambiguous_match_between_two_people_is_no_match(faces):
    """The same photo enrolled as two people cannot say which one it is: no match at all."""
    name = faces.people_with(4)[0]
    collection = local()
    index(collection, faces.of(name)[0], "1")
    index(collection, faces.of(name)[0], "2")

    assert collection.search_face(image(faces.of(name)[3]), threshold=THRESHOLD).matches == ()


def test_strangers_stay_below_the_threshold(faces):
    collection = local()
    for name in faces.people_with(3)[:10]:
        index(collection, faces.of(name)[0], name)
    accepted = [
        path.name
        for path in faces.unknown()[:20]
        if collection.search_face(image(path), threshold=THRESHOLD).best
    ]
    assert accepted == []


def test_similarity_scale():
    assert similarity_from_cosine(1.0) == 100.0
    assert similarity_from_cosine(0.42) == pytest.approx(42.0)
    assert similarity_from_cosine(0.0) == 0.0
    assert similarity_from_cosine(-0.3) == 0.0


def test_every_face_of_an_image_is_searched_and_false_faces_are_left_out(faces):
    collection = local()
    index(collection, faces.of("Jackie_Chan")[0], "jackie")

    group = collection.search_all_faces(image(faces.multi(14)), threshold=THRESHOLD, max_faces=100)
    capped = collection.search_all_faces(image(faces.multi(14)), threshold=THRESHOLD, max_faces=5)
    astronaut = collection.search_all_faces(
        prepare_image(sample_photo("astronaut")), threshold=THRESHOLD, max_faces=20
    )
    jackie = collection.search_all_faces(
        image(faces.of("Jackie_Chan")[3]), threshold=THRESHOLD, max_faces=20
    )

    assert len(group) == 24 and all(search.faces_seen == 24 for search in group)  # 24 tiles
    assert [search.face for search in capped] == [search.face for search in group[:5]]
    assert len(astronaut) == 1  # not the round mission patch on her sleeve
    assert astronaut[0].face.box.top < 200  # her face, in the upper half of the 512-px photo
    assert [match.person_key for match in jackie[0].matches] == ["jackie"]


@pytest.mark.django_db(transaction=True)  # the threads' own connections see the indexed face
def test_two_threads_may_search_at_once(faces):
    """`analyze --concurrency 2` searches faces on two threads: the models are per thread (OpenCV's
    networks keep their buffers in the object: one shared by two threads mixes their faces)."""
    collection = local()
    index(collection, faces.of("Jackie_Chan")[0], "jackie")
    group, probe = image(faces.multi(1)), image(faces.of("Jackie_Chan")[3])

    def search() -> tuple:
        found = collection.search_face(probe, threshold=THRESHOLD)
        return len(collection.detect_faces(group)), found

    def on_a_thread(_: int) -> tuple:
        try:
            return search()
        finally:
            connections.close_all()  # this thread's own

    alone = search()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(on_a_thread, range(16)))

    assert alone[0] == 2 and alone[1].best.person_key == "jackie"
    assert all(result == alone for result in results)


def test_a_sliver_of_an_image_is_not_searched_for_faces():
    """YuNet has answered 1-px-wide detection copies with spurious faces, which OpenCV then
    failed to align from an image 60 000 px tall: such shapes hold no face to find."""
    strip = Image.new("RGB", (80, 60_000), (200, 200, 200))
    tall = Image.new("RGB", (600, 20_000), (128, 128, 128))

    for _ in range(10):
        assert local_models.find_faces(strip) == []
        assert local_models.find_faces(tall) == []
