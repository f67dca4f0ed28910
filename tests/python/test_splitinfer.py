"""The splitinfer Python module: load, inspect, infer, plan, pipelines and
errors, checked against the command line and against itself."""

import os
import subprocess
import threading

import numpy as np
import pytest

import splitinfer

ELEMENTS = ["cpu0:int8", "cpu1:fp32"]


def frames(model, count, seed=0):
    shape = model.inspect()["inputs"][0]["shape"]
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape, dtype=np.float32) for _ in range(count)]


def plan(model, split=None, schedule="pipeline"):
    return model.plan(devices=ELEMENTS, schedule=schedule, split=split or [], reps=2)


@pytest.fixture(scope="module")
def lenet():
    return splitinfer.load("lenet5")


def test_inspect_describes_the_model(lenet):
    info = lenet.inspect()
    assert info["name"] == "lenet5"
    assert info["inputs"][0]["shape"] == [1, 1, 32, 32]
    assert info["units"][-1]["cut_elements"] == 10
    assert info["macs"] > 0 and info["params"] > 0


@pytest.mark.parametrize("element", ["cpu0:fp32", "cpu0:int8"])
def test_infer_equals_the_command_line_byte_for_byte(lenet, cli, tmp_path, element):
    x = frames(lenet, 1, seed=5)[0]
    x.tofile(tmp_path / "x.bin")
    subprocess.run([cli, "infer", "lenet5", "--input", str(tmp_path / "x.bin"), "--output",
                    str(tmp_path / "y.bin"), "--device", element], check=True,
                   capture_output=True)
    got = lenet.infer(x, device=element)
    assert got.dtype == np.float32 and got.shape == (1, 10)
    assert got.tobytes() == (tmp_path / "y.bin").read_bytes()


def test_infer_accepts_other_dtypes_and_layouts(lenet):
    x = frames(lenet, 1)[0]
    as_double = np.asfortranarray(x.astype(np.float64))
    assert lenet.infer(as_double).tobytes() == lenet.infer(x).tobytes()


def test_plan_weighs_every_schedule(lenet):
    p = lenet.plan(devices=ELEMENTS, reps=2)
    assert p.schedule in ("pipeline", "data_parallel")
    assert p.devices == ELEMENTS
    assert {c.kind for c in p.candidates} == {"pipeline", "data_parallel"}
    assert p.period_ms_predicted > 0
    assert len(p.splits) == 1 and [s.element for s in p.stages] == ELEMENTS


def test_pipeline_outputs_in_order_equal_infer_on_the_element(lenet):
    units = len(lenet.inspect()["units"])
    xs = frames(lenet, 30, seed=1)
    for split, element in ((0, "cpu1:fp32"), (units, "cpu0:int8")):
        with lenet.pipeline(plan(lenet, [split])) as pipeline:
            got = list(pipeline.run(xs, window=6))
        assert len(got) == len(xs)
        for x, y in zip(xs, got):
            assert y.tobytes() == lenet.infer(x, device=element).tobytes()


def test_an_interior_split_is_the_same_every_run(lenet):
    xs = frames(lenet, 12, seed=2)
    runs = []
    for _ in range(2):
        with lenet.pipeline(plan(lenet, [2])) as pipeline:
            runs.append([y.tobytes() for y in pipeline.run(xs)])
    assert runs[0] == runs[1]


def test_order_holds_under_concurrent_submitters(lenet):
    xs = frames(lenet, 48, seed=3)
    expected = [lenet.infer(x, device="cpu1:fp32").tobytes() for x in xs]
    futures = [None] * len(xs)
    with lenet.pipeline(plan(lenet, [0]), queue=1) as pipeline:
        def submit(part):
            for i in range(part, len(xs), 4):
                futures[i] = pipeline.submit(xs[i])
        threads = [threading.Thread(target=submit, args=(p,)) for p in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [f.result().tobytes() for f in futures] == expected
    stats = pipeline.stats()
    assert stats.frames_done == len(xs) and stats.frames_submitted == len(xs)
    assert [s.element for s in stats.stages] == ["cpu1:fp32"]


def test_closing_drains_the_frames_in_flight(lenet):
    pipeline = lenet.pipeline(plan(lenet, [2]))
    futures = [pipeline.submit(x) for x in frames(lenet, 20, seed=4)]
    pipeline.close()
    assert all(f.done() for f in futures)
    assert all(f.result().shape == (1, 10) for f in futures)
    with pytest.raises(splitinfer.Error, match="closed"):
        pipeline.submit(frames(lenet, 1)[0])
    pipeline.close()


def test_data_parallel_outputs_come_from_one_of_its_elements(lenet):
    xs = frames(lenet, 20, seed=6)
    p = plan(lenet, schedule="data-parallel")
    assert p.schedule == "data_parallel"
    with lenet.pipeline(p) as pipeline:
        got = list(pipeline.run(xs))
    for x, y in zip(xs, got):
        assert y.tobytes() in {lenet.infer(x, device=e).tobytes() for e in ELEMENTS}
    assert len(pipeline.stats().stages) == 2


def test_from_onnx_bytes_equals_the_zoo_model(lenet, cli, tmp_path):
    path = tmp_path / "lenet5.onnx"
    subprocess.run([cli, "export", "lenet5", "-o", str(path)], check=True, capture_output=True)
    model = splitinfer.from_onnx(path.read_bytes(), name="lenet5.onnx")
    x = frames(lenet, 1)[0]
    assert model.infer(x).tobytes() == lenet.infer(x).tobytes()
    assert splitinfer.load(str(path)).infer(x).tobytes() == lenet.infer(x).tobytes()


def test_equalize_keeps_the_float_function(lenet, cli, tmp_path):
    # LeNet-5's conv1 -> ReLU -> pool -> conv2 is rescaled: new weights, the
    # same function up to float rounding, on loading by name and from bytes.
    x = frames(lenet, 1)[0]
    want = lenet.infer(x)
    path = tmp_path / "lenet5.onnx"
    subprocess.run([cli, "export", "lenet5", "-o", str(path)], check=True, capture_output=True)
    for model in (splitinfer.load("lenet5", equalize=True),
                  splitinfer.from_onnx(path.read_bytes(), equalize=True)):
        got = model.infer(x)
        assert got.tobytes() != want.tobytes()
        assert np.allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())


def cli_error(cli, *args):
    done = subprocess.run([cli, *args], capture_output=True, text=True)
    assert done.returncode == 3
    return done.stderr.strip().removeprefix("error: ")


def test_errors_carry_the_command_lines_messages(lenet, cli):
    with pytest.raises(splitinfer.Error) as e:
        splitinfer.load("no_such_model")
    assert str(e.value) == cli_error(cli, "inspect", "no_such_model")
    with pytest.raises(splitinfer.Error) as e:
        lenet.plan(devices=["cpu0:int8", "cpu7:fp16"])
    assert str(e.value) == cli_error(cli, "plan", "lenet5", "--devices", "cpu0:int8,cpu7:fp16")


def test_bad_input_is_one_clear_error(lenet):
    with lenet.pipeline(plan(lenet, [2])) as pipeline:
        with pytest.raises(splitinfer.Error, match="1x3x32x32.*1x1x32x32"):
            pipeline.submit(np.zeros((1, 3, 32, 32), dtype=np.float32))
    with pytest.raises(splitinfer.Error, match="simulated"):
        resnet = splitinfer.load("resnet18")
        lenet_plan = resnet.plan(devices=["sim:vck190-dpu", "sim:rtx2080"])
        resnet.pipeline(lenet_plan)
    with pytest.raises(splitinfer.Error):
        splitinfer.from_onnx(b"not a protobuf")
    with pytest.raises(splitinfer.Error, match="--passes must be at least 1"):
        lenet.plan(devices=["cpu0:int8", "cpu1:fp32"], passes=0)
    with pytest.raises(splitinfer.Error, match="resnet18"):
        lenet.pipeline(splitinfer.load("resnet18").plan(devices=["sim:vck190-dpu", "sim:rtx2080"]))


def write_video(path, frames, size="64x48"):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size={size}:rate=30", "-frames:v", str(frames), "-c:v", "mpeg4",
                    str(path)], check=True)


def test_a_video_source_feeds_a_pipeline(lenet, tmp_path):
    video = tmp_path / "clip.mp4"
    write_video(video, 45)
    source = splitinfer.VideoSource(str(video), lenet)
    frames_in = list(splitinfer.VideoSource(str(video), lenet))
    assert len(frames_in) == 45 and frames_in[0].shape == (1, 1, 32, 32)
    with lenet.pipeline(plan(lenet, [0])) as pipeline:
        got = list(pipeline.run(source))
    assert source.frames_read == 45 and source.decode_ms_median > 0
    assert [y.tobytes() for y in got] == [lenet.infer(x, device="cpu1:fp32").tobytes()
                                          for x in frames_in]


def test_a_video_decoded_on_a_named_core_gives_the_same_frames(lenet, tmp_path):
    video = tmp_path / "clip.mp4"
    write_video(video, 5)
    anywhere = [x.tobytes() for x in splitinfer.VideoSource(str(video), lenet)]
    pinned = [x.tobytes() for x in splitinfer.VideoSource(str(video), lenet, element="cpu1:fp32")]
    assert pinned == anywhere
    with pytest.raises(splitinfer.Error, match="cpu99"):
        splitinfer.VideoSource(str(video), lenet, element="cpu99:fp32")


def thread_placements():
    """(scheduling policy, allowed cores) of each thread of this process."""
    placements = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            placements.append((int(fields[38]), os.sched_getaffinity(int(tid))))
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended meanwhile
    return placements


def test_a_video_decoded_on_a_named_core_decodes_in_its_idle_time(lenet, tmp_path):
    video = tmp_path / "clip.mp4"
    write_video(video, 30)
    sched_idle = 5
    source = splitinfer.VideoSource(str(video), lenet, element="cpu1:fp32", prefetch=2)
    next(iter(source))  # the decoding thread has started
    assert (sched_idle, {1}) in thread_placements()
    del source
    anywhere = splitinfer.VideoSource(str(video), lenet, prefetch=2)
    next(iter(anywhere))
    assert all(policy != sched_idle for policy, _ in thread_placements())


def test_a_bad_video_is_one_clear_error(lenet, tmp_path):
    with pytest.raises(splitinfer.Error, match="no such file"):
        splitinfer.VideoSource(str(tmp_path / "missing.mp4"), lenet)
    (tmp_path / "broken.mp4").write_bytes(b"\x00" * 3000)
    with pytest.raises(splitinfer.Error, match="broken.mp4"):
        splitinfer.VideoSource(str(tmp_path / "broken.mp4"), lenet)


def test_a_video_source_takes_another_normalization(lenet, tmp_path):
    video = tmp_path / "clip.mp4"
    write_video(video, 3, size="96x64")
    resnet = splitinfer.load("resnet18")
    default = next(iter(splitinfer.VideoSource(str(video), resnet)))
    unit = next(iter(splitinfer.VideoSource(str(video), resnet, mean=(0, 0, 0), std=(1, 1, 1),
                                            resize_shorter=256)))
    assert unit.shape == default.shape == (1, 3, 224, 224)
    assert unit.min() >= 0 and unit.max() <= 1 and default.min() < 0
