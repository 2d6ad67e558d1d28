#!/usr/bin/env bash
# The main job on the built-in data: build fonts-cjk at 64 px, train the cpu-64 preset for
# DEMO_MINUTES (default 10), then render a gallery into demo/. Called by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
minutes=${DEMO_MINUTES:-10}
out=demo
mkdir -p "$out"

$bin/polystyle datasets build fonts-cjk --out data/fonts-cjk --size 64 --sheet "$out/fonts-cjk-sheet.png"
run="demo-$(date +%Y%m%d-%H%M%S)"
echo
echo "training cpu-64 on fonts-cjk for $minutes minute(s): runs/$run"
$bin/polystyle train data/fonts-cjk --preset cpu-64 --minutes "$minutes" --out runs --name "$run"
model="runs/$run/model"

styles=$($bin/python -c "import json,sys; print(' '.join(s['name'] for s in json.load(open(sys.argv[1]))['styles']))" "$model/model.json")
for style in $styles; do
  $bin/polystyle generate "$model" --style "$style" --seeds 0-15 --truncation 0.7 --grid --out "$out" >/dev/null
done
$bin/polystyle generate "$model" --style all --seeds 0-11 --truncation 0.7 --grid --out "$out" >/dev/null
$bin/polystyle generate "$model" --prompt "cursive flowing brush" --seeds 0-11 --grid --out "$out"
$bin/polystyle interpolate "$model" --wheel --seed 3 --out "$out/style-wheel.gif" --strip >/dev/null
cp "runs/$run/loss_curve.png" "$out/loss_curve.png"

echo
echo "demo written:"
echo "  model folder:        $model"
echo "  all styles overview: $out/grid-all.png (one row per style)"
echo "  one grid per style:  $out/grid-<style>.png"
echo "  a text prompt:       $out/grid-prompt.png (weights printed above)"
echo "  style wheel:         $out/style-wheel.gif (+ -strip.png): one seed through every style"
echo "  loss curve:          $out/loss_curve.png"
echo "  training samples:    runs/$run/samples/"
echo "  dataset sheet:       $out/fonts-cjk-sheet.png"
