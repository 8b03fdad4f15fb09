"""What ImageSift sees in images: upload checks, the face collection and the image analyser.

The layer under every app. It knows no Django model and imports no app: the apps hand it what
it must keep (the local face collection's vectors) and get small frozen values back. Nothing
outside it imports OpenCV, ONNX Runtime, LiteRT or a Rekognition client.
"""
