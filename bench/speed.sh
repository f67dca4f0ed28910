#!/usr/bin/env bash
# Side-by-side speed of splitinfer against ONNX Runtime and PyTorch, one core
# (issue 4, Speed). Every figure is measured in this run; nothing is copied in.
#
#   bench/speed.sh [--reps N] [--rounds R] [--warmup N] [--core C] [--seed N]
#                  [--configs LIST] [--out FILE] [--splitinfer PATH] [MODEL...]
#
# Models default to resnet18 resnet50 mobilenet_v2 vgg16 (batch 1, 224x224).
# Configurations (--configs, comma-separated, default all):
#   si-fp32   splitinfer profile MODEL --device cpuC:fp32 --no-splits --force
#             (whole_model_ms: median of N runs of the whole model compiled as
#             one partition, one thread, pinned by splitinfer to core C)
#   si-int8   the same on cpuC:int8 (calibrated once per model before the
#             rounds on 16 synthetic inputs, minmax; the calibration cache
#             lives in a fresh directory of this run, SPLITINFER_CACHE_DIR)
#   si-bf16   the same on cpuC:bf16 (needs AVX512-BF16 or AMX; its error is
#             recorded otherwise)
#   ort       ONNX Runtime CPU provider, 1 thread (tools/ort/run_ort.js) on the
#             model exported by `splitinfer export --seed S`, same input file
#   pytorch   bench/pytorch_reference.py: PyTorch FX INT8 (onednn engine) and
#             eager FP32, torch.set_num_threads(1), torchvision architecture
#             loaded with the same weights (the ONNX export above)
# splitinfer runs from a copy taken at the start (sha256 recorded), so a rebuild
# of build/ during the run cannot mix binaries. Everything runs under `taskset -c C` (default core 0). R rounds (default 3),
# each round runs every model once in every configuration, the order of the
# configurations rotated from round to round (A B C D, B C D A, ...), so that
# background load hits all of them alike. Per configuration the median of the
# R per-round medians is reported (mean of the middle two for even R).
# Ratios (from those medians):
#   int8_vs_fp32         = splitinfer fp32 ms / splitinfer int8 ms  (speedup; target >= 2 on resnets)
#   bf16_vs_fp32         = splitinfer fp32 ms / splitinfer bf16 ms  (target >= 1.5 on resnet50, vgg16)
#   fp32_vs_ort          = splitinfer fp32 ms / ORT ms              (target <= 1.2, goal 1.0)
#   int8_vs_pytorch_int8 = splitinfer int8 ms / PyTorch FX int8 ms  (target <= 1.0)
# Prints a Markdown table and writes bench/results/speed-DATE.json (every raw
# number, machine, date, versions, ratios). A configuration that fails is
# recorded with its error message and the run goes on; its ratios are null.
# Defaults (--reps 10 --rounds 3): 7 minutes on a 2-core machine at load ~2, 13 at ~5.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
splitinfer="${SPLITINFER:-$root/build/splitinfer}"
python="${PYTHON:-/usr/bin/python3}"
reps=10
rounds=3
warmup=3
core=0
seed=0
configs="si-fp32,si-int8,si-bf16,ort,pytorch"
out=""
models=()

die() { echo "error: $*" >&2; exit 2; }
posint() { [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "${3:-1}" ] || die "$1 needs an integer >= ${3:-1}, got '$2'"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --reps) posint "$1" "${2:-}"; reps="$2"; shift 2 ;;
    --rounds) posint "$1" "${2:-}"; rounds="$2"; shift 2 ;;
    --warmup) posint "$1" "${2:-}" 0; warmup="$2"; shift 2 ;;
    --core) posint "$1" "${2:-}" 0; core="$2"; shift 2 ;;
    --seed) posint "$1" "${2:-}" 0; seed="$2"; shift 2 ;;
    --configs) configs="${2:-}"; shift 2 ;;
    --out) out="${2:-}"; shift 2 ;;
    --splitinfer) splitinfer="${2:-}"; shift 2 ;;
    -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) models+=("$1"); shift ;;
  esac
done
if [ ${#models[@]} -eq 0 ]; then models=(resnet18 resnet50 mobilenet_v2 vgg16); fi

IFS=',' read -r -a config_list <<<"$configs"
[ ${#config_list[@]} -gt 0 ] || die "--configs is empty"
for c in "${config_list[@]}"; do
  case "$c" in si-fp32|si-int8|si-bf16|ort|pytorch) ;; *) die "unknown configuration '$c' (si-fp32, si-int8, si-bf16, ort, pytorch)" ;; esac
done
has_config() { [[ ",$configs," == *",$1,"* ]]; }

[ -x "$splitinfer" ] || { echo "error: $splitinfer is not an executable (build it, or pass --splitinfer PATH)" >&2; exit 3; }
[ -x "$python" ] || { echo "error: $python not found (set PYTHON to a python3 with torch)" >&2; exit 3; }
command -v node >/dev/null 2>&1 || { echo "error: node is needed (tools/ort, JSON handling)" >&2; exit 3; }
if has_config ort && [ ! -d "$root/tools/ort/node_modules/onnxruntime-node" ]; then
  echo "error: $root/tools/ort/node_modules is missing (run scripts/setup.sh)" >&2; exit 3
fi
if has_config pytorch && ! "$python" -c 'import torch, torchvision' 2>/dev/null; then
  echo "error: $python cannot import torch and torchvision (Debian: python3-torch python3-torchvision)" >&2; exit 3
fi
pin=()
if command -v taskset >/dev/null 2>&1 && taskset -c "$core" true 2>/dev/null; then
  pin=(taskset -c "$core")
else
  echo "warning: cannot pin to core $core with taskset; ORT and PyTorch run unpinned" >&2
fi

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
[ -n "$out" ] || out="$root/bench/results/speed-$stamp.json"
mkdir -p "$(dirname "$out")"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Run a frozen copy: the build directory may be rebuilt while this runs.
splitinfer_src="$splitinfer"
splitinfer_mtime=$(date -u -r "$splitinfer" +%Y-%m-%dT%H:%M:%SZ)
cp "$splitinfer" "$work/splitinfer"
splitinfer="$work/splitinfer"
splitinfer_sha=$(sha256sum "$splitinfer" | cut -c1-16)
export SPLITINFER_CACHE_DIR="$work/cache"
raw="$work/raw.jsonl"
: >"$raw"
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "")
t_start=$(date +%s)

# Appends one JSON line to $raw: record ROUND MODEL CONFIG OK JSON_OR_ERROR
record() {
  node -e '
    const [round, model, config, ok, payload] = process.argv.slice(1);
    let row = {round: Number(round), model, config};
    if (ok === "1") {
      try { Object.assign(row, JSON.parse(payload)); row.ok = true; }
      catch (e) { row.ok = false; row.error = "unparsable output: " + payload.slice(0, 200); }
    } else { row.ok = false; row.error = payload; }
    row.source = "measured";
    console.log(JSON.stringify(row));' "$@" >>"$raw"
}

last_error() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-300; }

run_si() {  # ROUND MODEL PRECISION
  local r="$1" m="$2" p="$3" o="$work/si.out" e="$work/si.err"
  if "${pin[@]}" "$splitinfer" profile "$m" --seed "$seed" --device "cpu$core:$p" --no-splits --force \
      --reps "$reps" --warmup "$warmup" --db "$work/profile.sqlite" --json >"$o" 2>"$e"; then
    local j
    j=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
      console.log(JSON.stringify({engine:"splitinfer-"+process.argv[2], median_ms:d.whole_model_ms,
        sum_of_units_ms:d.sum_of_units_ms, cached:d.cached, device:d.device, machine:d.machine,
        reps:Number(process.argv[3])}))' "$o" "$p" "$reps" 2>&1) && record "$r" "$m" "si-$p" 1 "$j" ||
      record "$r" "$m" "si-$p" 0 "bad profile JSON: $j"
  else
    record "$r" "$m" "si-$p" 0 "splitinfer profile exited $?: $(last_error "$e")"
  fi
}

run_ort() {  # ROUND MODEL
  local r="$1" m="$2" e="$work/ort.err" j
  if j=$("${pin[@]}" node "$root/tools/ort/run_ort.js" "$work/$m.onnx" "$work/$m.in.bin" "$work/$m.ort.bin" \
      --threads 1 --reps "$reps" --json 2>"$e"); then
    record "$r" "$m" ort 1 "$j"
  else
    record "$r" "$m" ort 0 "run_ort.js exited $?: $(last_error "$e")"
  fi
}

run_pytorch() {  # ROUND MODEL
  local r="$1" m="$2" e="$work/pt.err" o="$work/pt.out" line got=0
  if "${pin[@]}" "$python" "$root/bench/pytorch_reference.py" "$m" --reps "$reps" --warmup "$warmup" \
      --seed "$seed" --weights splitinfer --onnx-dir "$work" --splitinfer "$splitinfer" --json >"$o" 2>"$e"; then
    while IFS= read -r line; do
      [ -n "$line" ] || continue
      case "$line" in
        *'"pytorch-fx-int8"'*) record "$r" "$m" pytorch-int8 1 "$line"; got=1 ;;
        *'"pytorch-eager-fp32"'*) record "$r" "$m" pytorch-fp32 1 "$line" ;;
      esac
    done <"$o"
    [ "$got" = 1 ] || record "$r" "$m" pytorch-int8 0 "no pytorch-fx-int8 line in the output"
  else
    local msg="pytorch_reference.py exited $?: $(last_error "$e")"
    record "$r" "$m" pytorch-int8 0 "$msg"
    record "$r" "$m" pytorch-fp32 0 "$msg"
  fi
}

# Preparation, untimed: ONNX export and input for ORT; the INT8 calibration
# (so that no round pays for it) and the list of float fallbacks.
prep="$work/prep.jsonl"
: >"$prep"
input_shape() {  # MODEL_OR_FILE -> e.g. 1x3x224x224
  "$splitinfer" inspect "$1" --json >"$work/inspect.json" &&
    node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(d.input_shape.join("x"))' \
      "$work/inspect.json"
}
for m in "${models[@]}"; do
  echo "speed: preparing $m" >&2
  if shape=$(input_shape "$m" 2>"$work/prep.err") && [ -n "$shape" ]; then
    node "$root/tools/ort/make_input.js" "$shape" 1 "$work/$m.in.bin"
  else
    echo "speed: cannot inspect $m: $(last_error "$work/prep.err")" >&2
    continue
  fi
  if { has_config ort || has_config pytorch; } && ! "$splitinfer" export "$m" --seed "$seed" -o "$work/$m.onnx" >/dev/null 2>"$work/prep.err"; then
    echo "speed: export of $m failed: $(last_error "$work/prep.err")" >&2
  fi
  if has_config si-int8; then
    t0=$(date +%s.%N)
    if "${pin[@]}" "$splitinfer" infer "$m" --seed "$seed" --device "cpu$core:int8" --input "$work/$m.in.bin" \
        --output "$work/$m.int8.bin" --json >"$work/prep.out" 2>"$work/prep.err"; then
      t1=$(date +%s.%N)
      node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
        console.log(JSON.stringify({model:process.argv[2], int8_float_fallbacks:d.float_fallbacks,
          calibration:d.calibration, calibrate_and_first_run_s:Number((process.argv[4]-process.argv[3]).toFixed(2))}))' \
        "$work/prep.out" "$m" "$t0" "$t1" >>"$prep"
    else
      msg=$(last_error "$work/prep.err")
      echo "speed: INT8 preparation of $m failed: $msg" >&2
      node -e 'console.log(JSON.stringify({model:process.argv[1], int8_prepare_error:process.argv[2]}))' "$m" "$msg" >>"$prep"
    fi
  fi
done

for ((r = 1; r <= rounds; r++)); do
  for m in "${models[@]}"; do
    # Rotate the configuration order by the round number.
    n=${#config_list[@]}
    for ((k = 0; k < n; k++)); do
      c=${config_list[$(((k + r - 1) % n))]}
      echo "speed: round $r/$rounds $m $c" >&2
      case "$c" in
        si-fp32) run_si "$r" "$m" fp32 ;;
        si-int8) run_si "$r" "$m" int8 ;;
        si-bf16) run_si "$r" "$m" bf16 ;;
        ort) if [ -f "$work/$m.onnx" ]; then run_ort "$r" "$m"; else record "$r" "$m" ort 0 "no exported ONNX model"; fi ;;
        pytorch) run_pytorch "$r" "$m" ;;
      esac
    done
  done
done

ort_version=$(node -e 'try{const o=require(process.argv[1]);console.log(o.env.versions.common||o.env.versions.node||"")}catch(e){console.log("")}' \
  "$root/tools/ort/node_modules/onnxruntime-node" 2>/dev/null)
torch_version=$("$python" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo "")
"$python" "$root/bench/speed_summary.py" --raw "$raw" --prep "$prep" --out "$out" \
  --date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --cpu-model "$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)" \
  --cores "$(nproc)" --kernel "$(uname -r)" \
  --loadavg-start "$loadavg_start" --loadavg-end "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "")" \
  --elapsed-s "$(($(date +%s) - t_start))" \
  --splitinfer "$splitinfer_src" --splitinfer-sha "$splitinfer_sha" --splitinfer-mtime "$splitinfer_mtime" --git-head "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "")" \
  --ort-version "$ort_version" --torch-version "$torch_version" \
  --reps "$reps" --rounds "$rounds" --warmup "$warmup" --core "$core" --seed "$seed" \
  --configs "$configs" --models "${models[*]}"
