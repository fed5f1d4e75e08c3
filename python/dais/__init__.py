"""dais: DAIS results files in xarray and pandas.

A results file (docs/results.md) is a netCDF-4 file: its /summary group and
each replication's time series open in xarray with dates, coordinates and
units.  This package adds what plain xarray does not know: the file's
provenance, the statistics as one `stat` dimension when wanted, the scalars
as a table, and a sweep's points joined with their parameters.

    import dais
    ds = dais.open_results("results/baseline.h5")       # summary, dates on time
    ds.nodes_total_mean.plot()                          # units in ds.nodes_total_mean.units
    rep = dais.open_results("results/baseline.h5", rep=0)
    tab = dais.scalars("results/baseline.h5")           # one row per scalar
    pts = dais.open_sweep("results/sweeps/mm1_load")    # one row per point

Pure Python on h5py, xarray (netCDF4 or h5netcdf engine) and pandas; nothing
compiled.
"""
import json
import os

import h5py
import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["open_results", "scalars", "replication_scalars", "open_sweep", "SERIES_STATS",
           "SCALAR_STATS"]

# The statistics DAIS writes (analysis/summary.h), in their usual order.
SERIES_STATS = ["mean", "sd", "ci95_lo", "ci95_hi", "p025", "p05", "p50", "p95", "p975"]
SCALAR_STATS = ["mean", "sd", "ci95_lo", "ci95_hi", "ci90_lo", "ci90_hi", "p05", "p50",
                "p95", "n", "n_finite"]


def _text(v):
    """An attribute as Python: bytes as str, numpy scalars as int or float."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return v.item()
    return v


def _root_attrs(path):
    with h5py.File(path, "r") as f:
        return {k: _text(v) for k, v in f.attrs.items()}


def _split(name, stats):
    """"nodes_total_p95" -> ("nodes_total", "p95"), or None."""
    for s in sorted(stats, key=len, reverse=True):
        if name.endswith("_" + s) and len(name) > len(s) + 1:
            return name[: -len(s) - 1], s
    return None


def _engine():
    """netCDF4 when installed, else h5netcdf.  About why: h5netcdf 1.1 finds
    each variable's dimension names by asking HDF5 for the path of the
    dimension scale, which searches the file; with the ~500 variables of a
    baseline summary that takes 10-50 s, netCDF4 about 1 s."""
    try:
        import netCDF4  # noqa: F401
        return "netcdf4"
    except ImportError:
        return "h5netcdf"


def open_results(path, rep=None, stat=False, engine=None):
    """The summary of a results file (or replication rep's time series) as an
    xarray.Dataset: time decoded to dates, label coordinates (chain,
    node_class, ...), units and long names as attributes, the file's
    provenance (model, master_seed, replications, ...) in ds.attrs.

    The summary holds one variable per statistic (X_mean, X_p95, ...); with
    stat=True each time series X becomes one variable with a leading `stat`
    dimension (ds.X.sel(stat="p95")), and scalars stay as they are.  engine:
    an xarray engine, by default netcdf4 (much faster here), else h5netcdf."""
    group = "summary" if rep is None else "rep_%04d/timeseries" % int(rep)
    with h5py.File(path, "r") as f:
        if group not in f:
            what = "a summary" if rep is None else "replication %s's series" % rep
            raise KeyError("%s: no %s (written with --keep %s?)" % (
                path, what, _text(f.attrs.get("keep", b"all"))))
    ds = xr.open_dataset(path, group=group, engine=engine or _engine())
    ds.attrs.update({k: v for k, v in _root_attrs(path).items() if k != "scenario_json"})
    if stat and rep is None:
        ds = _stack_stats(ds)
    return ds


def _stack_stats(ds):
    groups = {}
    for name, v in ds.data_vars.items():
        sp = _split(name, SERIES_STATS)
        if sp and v.ndim >= 1:
            groups.setdefault(sp[0], {})[sp[1]] = v
    out = ds.drop_vars([n + "_" + s for n, g in groups.items() for s in g])
    for name, g in groups.items():
        stats = [s for s in SERIES_STATS if s in g]
        da = xr.concat([g[s] for s in stats], dim=pd.Index(stats, name="stat"))
        da.attrs = {"units": g[stats[0]].attrs.get("units", ""),
                    "long_name": name.replace("_", " ")}
        out[name] = da
    return out


def scalars(path):
    """The summary scalars as a DataFrame: one row per scalar (index name),
    columns mean, sd, ci95_lo, ci95_hi, ci90_lo, ci90_hi, p05, p50, p95 (float),
    n, n_finite (int) and units."""
    rows = {}
    with h5py.File(path, "r") as f:
        s = f.get("summary")
        if s is None:
            raise KeyError("%s: no summary" % path)
        for name, d in s.items():
            sp = _split(name, SCALAR_STATS)
            if not sp or not isinstance(d, h5py.Dataset) or d.shape != ():
                continue
            row = rows.setdefault(sp[0], {})
            row[sp[1]] = d[()].item()
            if sp[1] == "mean":
                row["units"] = _text(d.attrs.get("units", b""))
    df = pd.DataFrame.from_dict(rows, orient="index")
    cols = [c for c in SCALAR_STATS + ["units"] if c in df.columns]
    df = df[cols].sort_index()
    for c in ("n", "n_finite"):
        if c in df:
            df[c] = df[c].astype("int64")
    df.index.name = "name"
    return df


def replication_scalars(path):
    """Every replication's scalars: one row per replication (index
    replication), one column per scalar; units in df.attrs["units"]."""
    rows, units = {}, {}
    with h5py.File(path, "r") as f:
        for g in sorted(k for k in f if k.startswith("rep_")):
            sc = f[g].get("scalars")
            if sc is None:
                continue
            rep = int(_text(f[g].attrs.get("replication", int(g[4:]))))
            rows[rep] = {k: sc[k][()].item() for k in sc}
            units.update({k: _text(sc[k].attrs.get("units", b"")) for k in sc})
    df = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    df.index.name = "replication"
    df.attrs["units"] = units
    return df


def open_sweep(directory, stats=("mean", "ci95_lo", "ci95_hi")):
    """A sweep's points as a DataFrame, one row per point (index point): its
    parameters (one column per parameter path, as in index.json), role and
    parameter (one-at-a-time designs), status, file, then for every summary
    scalar Y of the point's file the columns Y (the mean) and Y_<stat> for the
    other stats.  Points not done have NaN outputs."""
    with open(os.path.join(directory, "index.json"), encoding="utf-8") as fp:
        index = json.load(fp)
    rows = []
    for p in index["points"]:
        row = {"point": p["point"]}
        row.update(p.get("values", {}))
        for k in ("role", "parameter", "status", "file"):
            if k in p:
                row[k] = p[k]
        path = os.path.join(directory, p["file"])
        if p.get("status") == "done" and os.path.exists(path):
            tab = scalars(path)
            for name, r in tab.iterrows():
                for s in stats:
                    if s in r:
                        row[name if s == "mean" else name + "_" + s] = r[s]
        rows.append(row)
    df = pd.DataFrame(rows).set_index("point")
    df.attrs.update({k: index[k] for k in ("sweep", "scenario", "mode") if k in index})
    df.attrs["parameters"] = [q["path"] for q in index.get("parameters", [])]
    return df
