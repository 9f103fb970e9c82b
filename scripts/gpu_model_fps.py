"""Model-only frames per second on ONNX Runtime's CUDA provider, the way
issue 14 measures them: each model at the sizes vidmatte feeds it, with the
frame and the outputs on the device (IO binding to CUDA buffers bound once,
RVM's recurrent state passed from one run to the next on the device) and
with host copies (a plain `session.run` on numpy arrays). Also RVM converted
to fp16 (onnxruntime's own float16 converter, float I/O kept), where that
works. Run by scripts/gpu_bench.sh on the GPU machine; prints one line per
measurement and a table at the end.

Usage: gpu_model_fps.py MODELS_DIR [--seconds S] [--budget-s B] [--no-fp16] [--cpu-test] [--small]
  --cpu-test runs every code path on the CPU provider (for a machine
  without a GPU; the figures mean nothing).
"""

import argparse
import os
import sys
import time

import numpy as np

try:
    import onnxruntime as ort
except ImportError as e:  # the caller prints what is missing
    sys.exit(f"gpu_model_fps: cannot import onnxruntime: {e}")

# (label, file, [(width, height)]), in order of importance (a tight budget
# drops the last). On the GPU vidmatte mattes 1080p and 4K frames with RVM
# at their own size (downsample ratio 288 / short side) and runs ISNet at
# 1024 on the long side (1024x576 for 16:9; 1024x1024 is the reference's
# square). 1280x720 and 640x352 are the CPU path's sizes, for comparison.
RVM_SIZES = [(1920, 1080), (3840, 2160), (1280, 720)]
ISNET_SIZES = [(1024, 576), (1024, 1024), (640, 352)]
MODELS = [
    ("rvm fp32", "rvm_mobilenetv3_fp32.onnx", RVM_SIZES),
    ("rvm u8", "rvm_u8.onnx", RVM_SIZES),
    ("isnet fp16w", "isnet_fp16_dynamic.onnx", ISNET_SIZES),
    ("isnet u8", "isnet_u8.onnx", ISNET_SIZES),
]
DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(uint8)": np.uint8}
# The outputs vidmatte reads (ISNet's side outputs and the like are left out).
USED = {"fgr", "pha", "fgr_u8", "pha_u8", "output", "alpha_u8", "r1o", "r2o", "r3o", "r4o"}


def frame_input(meta, width, height, rng):
    """The frame: uint8 NHWC for the prefixed graphs, float NCHW otherwise."""
    dtype = DTYPES[meta.type]
    if dtype == np.uint8:
        return rng.integers(0, 256, (1, height, width, 3), dtype=np.uint8)
    return rng.random((1, 3, height, width), dtype=np.float32).astype(dtype)


def initial_feeds(sess, width, height, rng):
    feeds = {}
    for meta in sess.get_inputs():
        name = meta.name
        if name in ("r1i", "r2i", "r3i", "r4i"):
            feeds[name] = np.zeros((1, 1, 1, 1), DTYPES[meta.type])
        elif name == "downsample_ratio":
            feeds[name] = np.array([min(1.0, 288.0 / min(width, height))], np.float32)
        else:
            feeds[name] = frame_input(meta, width, height, rng)
    return feeds


def timed(step, seconds, warmup=5, max_runs=2000):
    for _ in range(warmup):
        step()
    runs, start = 0, time.perf_counter()
    while runs < max_runs:
        step()
        runs += 1
        if runs >= 10 and time.perf_counter() - start >= seconds:
            break
    elapsed = time.perf_counter() - start
    return runs / elapsed, elapsed * 1000.0 / runs


def host_copies(sess, feeds, seconds):
    """session.run on numpy: every input up and every output down per frame;
    RVM's state makes the round trip too, as a plain loop would."""
    feeds = dict(feeds)
    outs = [o.name for o in sess.get_outputs() if o.name in USED]

    def step():
        result = dict(zip(outs, sess.run(outs, feeds)))
        for i in ("r1", "r2", "r3", "r4"):
            if f"{i}o" in result:
                feeds[f"{i}i"] = result[f"{i}o"]

    return timed(step, seconds)


def device_resident(sess, feeds, seconds, device):
    """Everything on the device, bound once: the frame uploaded once, every
    output in a preallocated device buffer, RVM's state ping-ponged between
    two sets of buffers."""
    outs = [o.name for o in sess.get_outputs() if o.name in USED]
    # One run on the host gives the output shapes for this size.
    first = dict(zip(outs, sess.run(outs, feeds)))
    ov = ort.OrtValue

    def upload(a):
        return ov.ortvalue_from_numpy(np.ascontiguousarray(a), device, 0)

    inputs = {n: upload(a) for n, a in feeds.items() if n not in ("r1i", "r2i", "r3i", "r4i")}
    recurrent = [i for i in ("r1", "r2", "r3", "r4") if f"{i}o" in first]
    states = [{i: upload(first[f"{i}o"]) for i in recurrent} for _ in range(2)]
    plain = {n: ov.ortvalue_from_shape_and_type(first[n].shape, first[n].dtype.type, device, 0)
             for n in outs if n[:2] not in recurrent}
    bindings = []
    for k in range(2):
        b = sess.io_binding()
        for n, v in inputs.items():
            b.bind_ortvalue_input(n, v)
        for i in recurrent:
            b.bind_ortvalue_input(f"{i}i", states[k][i])
            b.bind_ortvalue_output(f"{i}o", states[1 - k][i])
        for n, v in plain.items():
            b.bind_ortvalue_output(n, v)
        bindings.append(b)
    turn = [0]

    def step():
        sess.run_with_iobinding(bindings[turn[0]])
        turn[0] ^= 1

    fps, ms = timed(step, seconds)
    return fps, ms


def fp16_copy(path, out_path):
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(path)
    # RVM's export names the dims of all four states alike (channels,
    # height, width); after the converter's input casts the memory planner
    # would take them for one shape. Unique names per tensor avoid that.
    for v in list(model.graph.input) + list(model.graph.output):
        for k, d in enumerate(v.type.tensor_type.shape.dim):
            if d.dim_param and d.dim_param != "batch_size":
                d.dim_param = f"{v.name}_{k}"
    del model.graph.value_info[:]
    model16 = convert_float_to_float16(model, keep_io_types=True)
    onnx.save(model16, out_path)
    return out_path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models_dir")
    ap.add_argument("--seconds", type=float, default=1.0, help="timed seconds per measurement")
    ap.add_argument("--budget-s", type=float, default=180, help="stop starting measurements after this")
    ap.add_argument("--cpu-test", action="store_true", help="run the code paths on the CPU provider")
    ap.add_argument("--no-fp16", action="store_true")
    ap.add_argument("--small", action="store_true", help="tiny sizes only (to test the script)")
    args = ap.parse_args()
    t0 = time.monotonic()
    device = "cpu" if args.cpu_test else "cuda"
    print(f"onnxruntime {ort.__version__} from {os.path.dirname(ort.__file__)}; "
          f"providers: {', '.join(ort.get_available_providers())}", flush=True)
    if not args.cpu_test and "CUDAExecutionProvider" not in ort.get_available_providers():
        sys.exit("gpu_model_fps: this onnxruntime has no CUDAExecutionProvider")
    if not args.cpu_test and hasattr(ort, "preload_dlls"):
        # NVIDIA's libraries from this Python's nvidia-* packages, where
        # LD_LIBRARY_PATH does not already lead to them.
        try:
            ort.preload_dlls()
        except Exception as e:  # noqa: BLE001
            print(f"preload_dlls: {e}", flush=True)
    providers = ["CPUExecutionProvider"] if args.cpu_test else [
        ("CUDAExecutionProvider", {"device_id": 0, "cudnn_conv_algo_search": "EXHAUSTIVE"}),
        "CPUExecutionProvider",
    ]
    models = list(MODELS)
    if not args.no_fp16:
        models.append(("rvm fp16", "rvm_mobilenetv3_fp32.onnx", RVM_SIZES, "fp16"))
    if args.small:
        models = [(m[0], m[1], [(320, 192)]) + tuple(m[3:]) for m in models]
    rows = []
    rng = np.random.default_rng(0)
    tmp = os.environ.get("TMPDIR", "/tmp")
    for spec in models:
        label, file, sizes = spec[:3]
        path = os.path.join(args.models_dir, file)
        if not os.path.isfile(path):
            print(f"{label}: {path} missing, skipped", flush=True)
            rows.append((label, "-", "missing", "", ""))
            continue
        if time.monotonic() - t0 > args.budget_s:
            print(f"{label}: skipped, over the {args.budget_s:.0f} s budget", flush=True)
            rows.append((label, "-", "skipped (time)", "", ""))
            continue
        try:
            if len(spec) > 3:
                path = fp16_copy(path, os.path.join(tmp, "rvm_fp16.onnx"))
            so = ort.SessionOptions()
            so.log_severity_level = 3
            t = time.monotonic()
            sess = ort.InferenceSession(path, so, providers=providers)
            active = sess.get_providers()[0]
            print(f"{label}: session in {time.monotonic() - t:.1f} s on {active}", flush=True)
            if not args.cpu_test and active != "CUDAExecutionProvider":
                rows.append((label, "-", f"not on CUDA ({active})", "", ""))
                continue
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f"{label}: could not load: {e}", flush=True)
            rows.append((label, "-", f"load failed: {str(e).splitlines()[0][:60]}", "", ""))
            continue
        for width, height in sizes:
            size = f"{width}x{height}"
            for mode in ("device", "host"):
                if len(spec) > 3 and mode == "host":
                    continue
                if time.monotonic() - t0 > args.budget_s:
                    rows.append((label, size, f"{mode}: skipped (time)", "", ""))
                    continue
                try:
                    feeds = initial_feeds(sess, width, height, rng)
                    if mode == "device":
                        fps, ms = device_resident(sess, feeds, args.seconds, device)
                    else:
                        fps, ms = host_copies(sess, feeds, args.seconds)
                    print(f"{label} {size} {mode}: {fps:.1f} fps ({ms:.2f} ms/frame)", flush=True)
                    rows.append((label, size, mode, f"{fps:.1f}", f"{ms:.2f}"))
                except Exception as e:  # noqa: BLE001
                    msg = str(e).splitlines()[0][:80] if str(e) else type(e).__name__
                    print(f"{label} {size} {mode}: failed: {msg}", flush=True)
                    rows.append((label, size, f"{mode}: failed", "", ""))
        del sess
    print()
    print("model-only fps (batch 1; device = inputs and outputs bound on the GPU, host = numpy in and out)")
    print(f"{'model':<12} {'size':<10} {'mode':<22} {'fps':>8} {'ms':>8}")
    for r in rows:
        print(f"{r[0]:<12} {r[1]:<10} {r[2]:<22} {r[3]:>8} {r[4]:>8}")


if __name__ == "__main__":
    main()
