#!/usr/bin/python3
"""The embedding paths against the command line (issue 21, Acceptance).

Two comparisons, every figure measured in this run:

1. Python overhead: the same split of MODEL over PAIR run by `splitinfer run
   --split S --schedule pipeline` (the CLI's pipeline, fed from memory) and
   by the Python module (`model.pipeline(plan)`, frames submitted from numpy
   arrays through `Pipeline.run`), alternating, ROUNDS rounds of FRAMES frames
   each. Period = mean interval between results after the first 10% (at most
   10), the same definition on both sides. Target: Python within 3% of the
   CLI (ratio of medians <= 1.03).
2. Video source: a VIDEO_FRAMES-frame video (ffmpeg's testsrc at SIZE,
   MPEG-4) through the same split with `run --source`, which measures the
   pipeline fed by the video (decoded on a thread of its own, pinned to the
   core of the stage with the most time to spare) and the same stages fed
   from memory with frames of that video, in alternating rounds of 60 frames
   in one process, and reports the median of the rounds' ratios; once per
   round of this script, after the two runs above. Target: source-fed period
   within 5% of memory-fed (median over this script's rounds <= 1.05).

usage: bench/embedding.py [--splitinfer PATH] [--model resnet18]
         [--pair cpu0:int8,cpu1:fp32] [--split S] [--frames 200] [--rounds 3]
         [--video-frames 300] [--size 320x240]
Writes bench/results/embedding-DATE.json.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli_run(args, cache, extra):
    cmd = [args.splitinfer, "run", args.model, "--devices", args.pair, "--split", str(args.split),
           "--schedule", "pipeline", "--frames", str(args.frames), "--alone-frames", "2",
           "--json"] + extra
    out = subprocess.run(cmd, capture_output=True, text=True,
                         env=dict(os.environ, SPLITINFER_CACHE_DIR=cache))
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def python_period(splitinfer, model, plan, frames, count):
    with model.pipeline(plan) as pipeline:
        for _ in pipeline.run(frames[i % len(frames)] for i in range(count)):
            pass
    return pipeline.stats().period_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splitinfer", default=os.path.join(ROOT, "build", "splitinfer"))
    parser.add_argument("--model", default="resnet18")
    parser.add_argument("--pair", default="cpu0:int8,cpu1:fp32")
    parser.add_argument("--split", type=int, default=11)
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--video-frames", type=int, default=300)
    parser.add_argument("--size", default="320x240")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(args.splitinfer)), "python"))
    import numpy as np
    import splitinfer

    with tempfile.TemporaryDirectory() as cache:
        os.environ["SPLITINFER_CACHE_DIR"] = cache
        model = splitinfer.load(args.model)
        plan = model.plan(devices=args.pair.split(","), split=[args.split], schedule="pipeline")
        rng = np.random.default_rng(777)
        shape = model.inspect()["inputs"][0]["shape"]
        frames = [rng.standard_normal(shape, dtype=np.float32) for _ in range(8)]
        video = os.path.join(cache, "clip.mp4")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc=size={args.size}:rate=30", "-frames:v", str(args.video_frames),
                        "-c:v", "mpeg4", video], check=True)
        cli, py, sources = [], [], []
        for r in range(args.rounds):
            cli.append(cli_run(args, cache, [])["period_ms_measured"])
            py.append(python_period(splitinfer, model, plan, frames, args.frames))
            sources.append(cli_run(args, cache, ["--source", video])["source"])
            print(f"round {r + 1}: CLI {cli[-1]:.3f} ms, Python {py[-1]:.3f} ms, video / memory "
                  f"{sources[-1]['period_ratio_source_over_memory']:.3f} (measured)", flush=True)

    ratio = statistics.median(py) / statistics.median(cli)
    video_ratios = [s["period_ratio_source_over_memory"] for s in sources]
    video_ratio = statistics.median(video_ratios)
    source = sorted(sources, key=lambda s: s["period_ratio_source_over_memory"])[len(sources) // 2]
    print(f"\n{args.model} split {args.split} over {args.pair}, {args.frames} frames x "
          f"{args.rounds} rounds (measured)")
    print(f"| path | period ms (median) | rounds |\n|---|---|---|\n"
          f"| CLI `run` | {statistics.median(cli):.3f} | {', '.join(f'{x:.3f}' for x in cli)} |\n"
          f"| Python `Pipeline.run` | {statistics.median(py):.3f} | "
          f"{', '.join(f'{x:.3f}' for x in py)} |")
    print(f"Python / CLI: {ratio:.3f} (target <= 1.03: {'met' if ratio <= 1.03 else 'MISSED'})")
    print(f"video ({source['frames']} frames, {args.size}), the median round: period "
          f"{source['period_ms_measured']:.3f} ms fed by the video, "
          f"{source['period_ms_from_memory_measured']:.3f} ms from memory; ratio over the rounds "
          f"{', '.join(f'{x:.3f}' for x in video_ratios)}, median {video_ratio:.3f} "
          f"(target <= 1.05: {'met' if video_ratio <= 1.05 else 'MISSED'}); decoding "
          f"{source['decode_ms_median_measured']:.3f} ms per frame on {source['decode_element']}")
    result = {
        "date": datetime.date.today().isoformat(), "machine": platform.node(),
        "cpus": os.cpu_count(), "model": args.model, "pair": args.pair, "split": args.split,
        "frames": args.frames, "source": "measured",
        "python_overhead": {"cli_period_ms": cli, "python_period_ms": py,
                            "ratio_of_medians": ratio},
        "video": {"size": args.size, "median_round": source, "rounds": sources,
                  "ratio_median_of_rounds": video_ratio},
    }
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    out = os.path.join(ROOT, "bench", "results", f"embedding-{result['date']}.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    print(f"written {out}")


if __name__ == "__main__":
    main()
