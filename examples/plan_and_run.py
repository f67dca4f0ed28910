#!/usr/bin/env python3
"""Plans a model over the elements given and runs the plan on random frames.

    PYTHONPATH=build/python python3 examples/plan_and_run.py resnet18 cpu0:int8,cpu1:fp32 200

Prints the plan (predicted figures), the measured period and latency, and
the time each stage took per frame.
"""

import sys

import numpy as np

import splitinfer


def main():
    if len(sys.argv) < 3:
        print("usage: plan_and_run.py MODEL ELEMENTS [FRAMES]", file=sys.stderr)
        return 2
    model_name, elements = sys.argv[1], sys.argv[2].split(",")
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    try:
        model = splitinfer.load(model_name)
        info = model.inspect()
        plan = model.plan(devices=elements)
        print(f"{info['name']} over {','.join(elements)}: {plan.schedule}, splits {plan.splits}, "
              f"period {plan.period_ms_predicted:.3f} ms (predicted)")
        rng = np.random.default_rng(7)
        shape = info["inputs"][0]["shape"]
        frames = (rng.standard_normal(shape, dtype=np.float32) for _ in range(count))
        with model.pipeline(plan) as pipeline:
            outputs = sum(1 for _ in pipeline.run(frames))
        stats = pipeline.stats()
        print(f"{outputs} frames: period {stats.period_ms:.3f} ms, latency p50 "
              f"{stats.latency_ms_p50:.3f} ms, p99 {stats.latency_ms_p99:.3f} ms (measured)")
        for stage in stats.stages:
            print(f"  {stage.element:<10} {stage.frames} frames, {stage.ms_median:.3f} ms per frame "
                  "(measured)")
    except splitinfer.Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
