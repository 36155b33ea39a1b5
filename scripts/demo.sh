#!/usr/bin/env bash
# The first command of README.md. Installs what is missing (Debian packages, needs root),
# builds hpod, starts it on the embedded default (one SQLite file, trials as local
# processes), runs config/studies/demo.json (30 trials of a small neural network in pure
# Python, TPE sampler, median pruner, 4 at a time) to the end, and prints what happened.
# hpod keeps running afterwards so that you can look at the study; the last lines say how
# to follow it and how to stop it.
#
#   scripts/demo.sh          run the demo (again: the previous demo's hpod is stopped first)
#   scripts/demo.sh stop     stop the demo's hpod
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
run=$here/demo-run
build=${BUILD_DIR:-$here/build}
export CCACHE_BASEDIR=$here

stop_previous() {
  if [ -f "$run/hpod.pid" ] && kill -0 "$(cat "$run/hpod.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$run/hpod.pid")"
    for _ in $(seq 100); do kill -0 "$(cat "$run/hpod.pid")" 2>/dev/null || break; sleep 0.1; done
  fi
}

if [ "${1:-}" = stop ]; then
  stop_previous
  echo "demo hpod stopped"
  exit 0
fi

bash scripts/bootstrap.sh --minimal
echo "== building hpod (Release, -j2)" >&2
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" -j2 hpod hpoctl >/dev/null

stop_previous
rm -rf "$run"
mkdir -p "$run"
cat > "$run/hpod.json" <<JSON
{"listen": "127.0.0.1:0", "database": "hpod.db", "runs_dir": "runs", "optuna_schema": "v3.2.0.a"}
JSON
start=$SECONDS
nohup "$build/hpod" --config "$run/hpod.json" --url-file "$run/url" >"$run/hpod.log" 2>&1 &
echo $! >"$run/hpod.pid"
for _ in $(seq 300); do [ -s "$run/url" ] && break; sleep 0.1; done
[ -s "$run/url" ] || { echo "hpod did not start; see $run/hpod.log" >&2; cat "$run/hpod.log" >&2; exit 1; }
url=$(cat "$run/url")
export HPOD_URL=$url
hpoctl="$build/hpoctl"

echo "== hpod is listening on $url; submitting config/studies/demo.json" >&2
"$hpoctl" submit config/studies/demo.json
last=""
while :; do
  state=$(curl -s "$url/api/v1/studies/demo" | python3 -c 'import json,sys; d=json.load(sys.stdin); t=d["trials"]; print(d["state"], t["RUNNING"], t["COMPLETE"], t["PRUNED"], t["FAIL"])')
  set -- $state
  line=$(printf '   %-9s running %2s  complete %2s  pruned %2s  failed %2s' "$1" "$2" "$3" "$4" "$5")
  if [ -t 2 ]; then printf '\r%s ' "$line" >&2
  elif [ "$line" != "$last" ]; then echo "$line" >&2; fi
  last=$line
  [ "$1" = running ] || break
  [ $((SECONDS - start)) -lt 900 ] || { echo; echo "the demo study did not finish in 15 minutes" >&2; exit 1; }
  sleep 1
done
echo >&2
elapsed=$((SECONDS - start))

curl -s "$url/api/v1/studies/demo/trials" | python3 -c '
import json, sys
trials = json.load(sys.stdin)["trials"]
epochs = 20
by_state = {}
for t in trials:
    by_state[t["state"]] = by_state.get(t["state"], 0) + 1
done = [t for t in trials if t["state"] == "COMPLETE"]
best = min(done, key=lambda t: t["value"])
pruned = [t for t in trials if t["state"] == "PRUNED"]
saved = sum(epochs - (t["last_step"] + 1) for t in pruned)
print()
print("best trial:   #%d  validation loss %.4f" % (best["number"], best["value"]))
print("  params:     " + "  ".join("%s=%s" % (k, (("%.4g" % v) if isinstance(v, float) else v)) for k, v in sorted(best["params"].items())))
print("trials:       " + "  ".join("%s %d" % (s.lower(), n) for s, n in sorted(by_state.items())))
print("pruning:      %d trials stopped early, %d of %d epochs saved (%.0f%%)"
      % (len(pruned), saved, epochs * len(trials), 100.0 * saved / (epochs * len(trials))))
'
cat <<MSG

The study ran in ${elapsed} s. hpod is still running, so you can look at it:
  dashboard:   $url/
  follow:      HPOD_URL=$url $hpoctl tail demo
  trials:      HPOD_URL=$url $hpoctl trials demo
  with Optuna: optuna.load_study(study_name="demo", storage="sqlite:///$run/hpod.db")  (Optuna >= 3.2)
  run logs:    $run/runs/demo/<trial number>/{stdout,stderr}
  stop it:     scripts/demo.sh stop
MSG
