"""The peer's side of bench/peers.py, run by the peer's own virtualenv (never the product's).

Reads a JSON list of photo paths on stdin; for each, runs `face_recognition` as its README shows
(`load_image_file`, `face_locations` with the default HOG model, `face_encodings`), keeps the
largest face's 128-number encoding, and writes one JSON object: path -> {"encoding", "ms"}.
"""

import json
import sys
import time

import face_recognition


def encode(path: str) -> dict:
    started = time.perf_counter()
    image = face_recognition.load_image_file(path)
    locations = face_recognition.face_locations(image)
    largest = max(locations, key=lambda box: (box[2] - box[0]) * (box[1] - box[3]), default=None)
    encodings = face_recognition.face_encodings(image, [largest]) if largest else []
    elapsed_ms = (time.perf_counter() - started) * 1000
    return {"encoding": encodings[0].tolist() if encodings else None, "ms": elapsed_ms}


def main() -> None:
    paths = json.load(sys.stdin)
    json.dump({path: encode(path) for path in paths}, sys.stdout)


if __name__ == "__main__":
    main()
