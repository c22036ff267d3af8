#!/usr/bin/env bash
# Execute notebooks with nbconvert (TypeScript kernel: tslab) and fail if any cell fails.
#
#   notebooks/run.sh                          # every notebooks/*.ipynb
#   notebooks/run.sh notebooks/01-explore-world.ipynb
#   notebooks/run.sh --write [files…]         # execute, then replace the notebooks with their executed copies
#
# Runs from any directory. Executed copies go to a temporary folder (or $NOTEBOOK_OUT). Without --write the
# notebooks are never rewritten; with --write each one is replaced by its executed copy (outputs included), but only
# when every notebook ran without error and no output holds the repo's absolute path or the home folder. Needs Debian's Jupyter packages and the tslab kernel (see DEVELOPERS.md):
#   apt-get install -y jupyter-core python3-nbconvert python3-ipykernel jupyter-client python3-nbclient
#   npx tslab install --python=/usr/bin/python3
# $JUPYTER_PYTHON picks the Python that has Jupyter (default /usr/bin/python3; a pyenv python3 first on
# PATH usually has none). $NOTEBOOK_TIMEOUT is the per-cell limit in seconds (default 600).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
py="${JUPYTER_PYTHON:-/usr/bin/python3}"
timeout="${NOTEBOOK_TIMEOUT:-600}"

# The tslab kernel spec runs plain `tslab`: put the repo's copy first on PATH.
export PATH="$root/node_modules/.bin:$PATH"
export PYDEVD_DISABLE_FILE_VALIDATION=1

if ! "$py" -c 'import nbconvert, nbclient, jupyter_client' 2>/dev/null; then
  echo "run.sh: $py has no nbconvert/nbclient/jupyter_client; see DEVELOPERS.md (Notebooks)" >&2
  exit 2
fi
if [ ! -x "$root/node_modules/.bin/tslab" ]; then
  echo "run.sh: node_modules/.bin/tslab is missing; run npm ci first" >&2
  exit 2
fi
kernels="$("$py" -m jupyter kernelspec list 2>/dev/null || true)"
if ! grep -qE '^\s*tslab\s' <<<"$kernels"; then
  echo "run.sh: the tslab kernel is not installed; run: npx tslab install --python=$py" >&2
  exit 2
fi

write=0
args=()
for a in "$@"; do
  case "$a" in
    --write) write=1 ;;
    -*) echo "run.sh: unknown option $a (usage: notebooks/run.sh [--write] [notebook.ipynb ...])" >&2; exit 2 ;;
    *) args+=("$a") ;;
  esac
done

if [ "${#args[@]}" -gt 0 ]; then
  notebooks=("${args[@]}")
else
  shopt -s nullglob
  notebooks=("$here"/*.ipynb)
  shopt -u nullglob
fi
if [ "${#notebooks[@]}" -eq 0 ]; then
  echo "run.sh: no notebooks in $here" >&2
  exit 2
fi

out="${NOTEBOOK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/rolloutlab-notebooks.XXXXXX")}"
mkdir -p "$out"

# Print what the failing run's cells wrote: tslab reports compile errors on stderr, which nbconvert's own
# error message leaves out. Re-runs the notebook with --allow-errors to get them.
explain() {
  local nb="$1" dest="$2"
  "$py" -m nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.timeout="$timeout" \
    "$nb" --output-dir "$out" --output "$dest.errors" >/dev/null 2>&1 || return 0
  "$py" - "$out/$dest.errors.ipynb" <<'PY' || true
import json, sys
nb = json.load(open(sys.argv[1]))
for i, cell in enumerate(nb["cells"]):
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            print(f"--- cell {i}: {o.get('ename')}: {o.get('evalue')}")
        elif o.get("output_type") == "stream" and o.get("name") == "stderr":
            print(f"--- cell {i} stderr:\n" + "".join(o.get("text", "")).rstrip())
PY
}

failed=()
n=0
for nb in "${notebooks[@]}"; do
  n=$((n + 1))
  name="$(basename "$nb" .ipynb)"
  start=$SECONDS
  echo "== notebook $nb"
  # nbconvert's cwd for the kernel is the notebook's folder; it exits non-zero when a cell raises. No per-cell
  # timestamps (record_timing): an executed copy then changes only when an output does.
  if "$py" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout="$timeout" --ExecutePreprocessor.record_timing=False \
      "$nb" --output-dir "$out" --output "$name" 2>"$out/$name.log"; then
    # The TypeScript kernel reports no execution count, so number the code cells here, in the order they ran (all
    # of them did: nbconvert stops at the first error). A committed notebook then shows which cells were executed.
    "$py" - "$out/$name.ipynb" <<'PY'
import json, sys
path = sys.argv[1]
nb = json.load(open(path, encoding="utf-8"))
n = 0
for cell in nb["cells"]:
    if cell["cell_type"] == "code":
        n += 1
        cell["execution_count"] = n
        for o in cell.get("outputs", []):
            if o.get("output_type") == "execute_result":
                o["execution_count"] = n
with open(path, "w", encoding="utf-8") as f:
    json.dump(nb, f, indent=1, ensure_ascii=False)
    f.write("\n")
PY
    echo "   ok ($((SECONDS - start)) s) -> $out/$name.ipynb"
  else
    echo "   FAILED ($((SECONDS - start)) s); nbconvert said:"
    tail -n 12 "$out/$name.log" | sed 's/^/   | /'
    explain "$nb" "$name" | sed 's/^/   | /'
    failed+=("$nb")
  fi
done

echo "notebooks: $((n - ${#failed[@]})) of $n ran without error (executed copies in $out)"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}"
  if [ "$write" = 1 ]; then echo "run.sh --write: nothing written back (a notebook failed)"; fi
  exit 1
fi

if [ "$write" = 1 ]; then
  # Committed outputs must read the same on any machine: refuse copies that print this clone's path or the home folder.
  leaks=()
  for nb in "${notebooks[@]}"; do
    copy="$out/$(basename "$nb" .ipynb).ipynb"
    if grep -qF "$root/" "$copy" || { [ -n "${HOME:-}" ] && [ "$HOME" != / ] && grep -qF "$HOME/" "$copy"; }; then leaks+=("$nb"); fi
  done
  if [ "${#leaks[@]}" -gt 0 ]; then
    printf 'run.sh --write: output holds an absolute path of this machine (print paths relative to the repo root): %s\n' "${leaks[@]}"
    echo "run.sh --write: nothing written back"
    exit 1
  fi
  for nb in "${notebooks[@]}"; do
    cp "$out/$(basename "$nb" .ipynb).ipynb" "$nb"
    echo "   wrote $nb"
  done
fi
