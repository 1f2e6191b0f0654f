#!/usr/bin/env bash
# The project's benchmark script: criterion benchmarks of the engine, then the whole
# `backtest` process timed end to end (load, simulate, report, charts). Release builds.
# Usage: bash benches/bench.sh            (from the repository's root)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/backtest-target}"

cargo bench --bench engine

cargo build --release
bin="$CARGO_TARGET_DIR/release/backtest"
out=$(mktemp -d)
gld=../shared/market-data/etf-ohlcv-raw
runs=20
timed=0
time_runs() {
  local label=$1; shift
  local start end dir
  # Each command its own output directory: a report directory is not a sweep's, and is refused.
  timed=$((timed + 1))
  dir="$out/$timed"
  "$bin" "$@" --out "$dir" > /dev/null # warm the page cache
  start=$(date +%s%N)
  for _ in $(seq $runs); do "$bin" "$@" --out "$dir" > /dev/null; done
  end=$(date +%s%N)
  echo "$label: $(( (end - start) / runs / 1000000 )) ms per process (mean of $runs)"
}
time_runs "the main job, defensive-miners on the sample, with charts" --strategy defensive-miners
time_runs "the main job, defensive-miners on the sample, no charts" --strategy defensive-miners --no-charts
time_runs "sma-cross on the sample (8 symbols), with charts" --strategy sma-cross
time_runs "sma-cross on the sample (8 symbols), no charts" --strategy sma-cross --no-charts
if [ -d "$gld" ]; then
  time_runs "sma-cross on real GLD, with charts" --strategy sma-cross --data "$gld" --symbols GLD
  time_runs "sma-cross on real GLD, no charts" --strategy sma-cross --data "$gld" --symbols GLD --no-charts
else
  echo "../shared/market-data is absent: real-GLD process timings skipped"
fi

grid=(--grid fast=5..50:5 --grid slow=20..200:10)
time_runs "sweep of sma-cross, 10x19 grid on the sample's GLD, no heatmap" \
  sweep --strategy sma-cross --symbols GLD "${grid[@]}" --no-charts
time_runs "walk-forward of sma-cross, 10x19 grid, 5y/1y windows on the sample's GLD" \
  walk-forward --strategy sma-cross --symbols GLD "${grid[@]}" --train 5y --test 1y

# Scale: 500 symbols × 50 years of generated daily bars (350 MB of CSV), peak memory measured by
# GNU time. Opt in with BENCH_SCALE=1 (about a minute, most of it writing the files).
if [ "${BENCH_SCALE:-0}" = 1 ] && [ ! -x /usr/bin/time ]; then
  echo "BENCH_SCALE needs GNU time at /usr/bin/time (Debian package: time); scale runs skipped"
elif [ "${BENCH_SCALE:-0}" = 1 ]; then
  scale=$(mktemp -d)
  "$bin" synth --universe 500 --years 50 --out "$scale" > /dev/null
  for strategy in buy-and-hold sma-cross; do
    /usr/bin/time -f "$strategy, 500 symbols x 50 years: %e s, peak memory %M KB" \
      "$bin" --strategy "$strategy" --data "$scale" --no-charts --out "$out/scale" > /dev/null
  done
  # Loading alone: every file read and validated (`data check`), beside reading the bytes
  # (`cat`) and, where Python's polars is installed, polars reading the same files; then the
  # same prices as one long Parquet file (written by polars).
  cat "$scale"/*.csv > /dev/null # warm the page cache
  start=$(date +%s%N); cat "$scale"/*.csv > /dev/null; end=$(date +%s%N)
  echo "cat of the 500 CSV files: $(( (end - start) / 1000000 )) ms"
  /usr/bin/time -f "data check of the 500 CSV files (load and validate): %e s, peak memory %M KB" \
    "$bin" data check "$scale" > /dev/null
  if python3 -c "import polars" 2> /dev/null; then
    long=$(mktemp -d)
    python3 - "$scale" "$long/prices.parquet" <<'PY'
import glob, os, sys, time
import polars as pl
files = sorted(glob.glob(os.path.join(sys.argv[1], "*.csv")))
start = time.perf_counter()
frames = [pl.read_csv(f, try_parse_dates=True) for f in files]
print(f"polars {pl.__version__} read_csv of the 500 CSV files: {time.perf_counter() - start:.2f} s")
long = pl.concat(
    [f.with_columns(pl.lit(os.path.basename(p)[:-4]).alias("symbol")) for f, p in zip(frames, files)]
)
long.write_parquet(sys.argv[2])
start = time.perf_counter()
pl.read_parquet(sys.argv[2])
print(f"polars read_parquet of the long file ({os.path.getsize(sys.argv[2]) >> 20} MB): "
      f"{time.perf_counter() - start:.2f} s")
PY
    /usr/bin/time -f "data check of the long Parquet file (500 symbols): %e s, peak memory %M KB" \
      "$bin" data check "$long" > /dev/null
    /usr/bin/time -f "buy-and-hold on three of its symbols, no charts: %e s, peak memory %M KB" \
      "$bin" --strategy buy-and-hold --data "$long" --symbols S0001,S0002,S0003 --no-charts \
      --out "$out/long" > /dev/null
    rm -rf "$long"
  else
    echo "Python's polars is not installed (pip install polars): the polars and Parquet timings are skipped"
  fi
  rm -rf "$scale"
fi
rm -rf "$out"
