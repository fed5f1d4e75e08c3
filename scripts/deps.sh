#!/bin/sh
# Installs the Debian packages DAIS needs, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command to run.
set -e
PKGS="build-essential pkg-config time libgsl-dev libhdf5-dev hdf5-tools libcjson-dev libcriterion-dev gnuplot-nox libopenmpi-dev openmpi-bin"
# python/dais and its tests: Debian's Python with h5py, xarray (h5netcdf engine), pandas
PKGS="$PKGS python3 python3-h5py python3-xarray python3-h5netcdf python3-pandas python3-netcdf4"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
