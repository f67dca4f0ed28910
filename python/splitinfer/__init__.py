"""splitinfer: split CNN inference over heterogeneous processing elements.

Load a model, plan how to run it over several elements (a split into
pipeline stages, or data-parallel replicas), and run the plan on frames:

    import numpy as np, splitinfer
    model = splitinfer.load("resnet18")
    plan = model.plan(devices=["cpu0:int8", "cpu1:fp32"])
    with model.pipeline(plan) as pipeline:
        for output in pipeline.run(splitinfer.VideoSource("clip.mp4", model)):
            ...
    print(pipeline.stats().period_ms)

Arrays are float32 numpy arrays of the model input's shape (NCHW). Plan
figures are predicted, Stats figures measured. Failures raise
splitinfer.Error with the command line's messages.
"""

import collections

from ._splitinfer import (Error, FrameSource, Future, Model, Pipeline, Plan, ScheduleCandidate,
                          StagePlan, StageStats, Stats)

# Frames of a video file (or images): FrameSource under the name users look for.
VideoSource = FrameSource

__all__ = ["Error", "FrameSource", "Future", "Model", "Pipeline", "Plan", "ScheduleCandidate",
           "StagePlan", "StageStats", "Stats", "VideoSource", "from_onnx", "load"]


def load(model, seed=0, weights=None, input_shapes=None, equalize=False):
    """A zoo model by name (`splitinfer models`) or an .onnx file by path.

    seed: a zoo model's random weights; weights: an ONNX file with a zoo
    model's weights; input_shapes: ["NAME=1x3x640x640"] or ["1x3x640x640"],
    fixing an ONNX input's symbolic dimensions; equalize: cross-layer
    equalization of the weights before INT8 calibration (`--equalize`).
    """
    from ._splitinfer import _load
    return _load(str(model), seed, weights or "", list(input_shapes or []), bool(equalize))


def from_onnx(data, name="memory.onnx", input_shapes=None, equalize=False):
    """An ONNX model from bytes in memory; `name` stands for it in messages."""
    from ._splitinfer import _from_onnx
    return _from_onnx(bytes(data), name, list(input_shapes or []), bool(equalize))


def _pipeline(self, plan, queue=2, max_in_flight=0):
    """Compiles the plan's schedule on its elements and starts it.

    `queue` frames wait between stages. In a data-parallel plan it also sizes
    the reorder buffer: an element k times slower than the fastest needs
    queue >= k + 1, or the faster ones wait for it.

    Use it as a context manager: leaving the block waits for the frames in
    flight and stops the workers (close()).
    """
    return self._pipeline(plan, queue, max_in_flight)


def _enter(self):
    return self


def _exit(self, exc_type, exc, tb):
    try:
        self.close()
    except Error:
        if exc_type is None:
            raise  # a failed stage; when the block already raised, that error wins
    return False


def _run(self, frames, window=8):
    """Submits each frame of `frames` and yields the outputs in order.

    At most `window` frames are submitted ahead of the output yielded last,
    so a long or endless iterable runs in bounded memory.
    """
    pending = collections.deque()
    for frame in frames:
        pending.append(self.submit(frame))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


Model.pipeline = _pipeline
Pipeline.__enter__ = _enter
Pipeline.__exit__ = _exit
Pipeline.run = _run
