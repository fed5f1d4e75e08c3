"""Tests of python/dais and of the results files as netCDF-4 files: each
value is checked against one computed here from the replications with h5py
and numpy, not against what the package itself reads.

Run by `make test` (scripts/run-tests.sh) with Debian's python3; skipped with
a message when h5py, xarray, h5netcdf, netCDF4 or pandas is missing.  DAIS is the dais
binary (default build/dais)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))
DAIS = os.environ.get("DAIS", os.path.join(ROOT, "build", "dais"))

try:
    import h5py
    import numpy as np
    import pandas as pd
    import xarray as xr
    import h5netcdf  # noqa: F401  (xarray's engines)
    import netCDF4  # noqa: F401
    import dais
    MISSING = None
except ImportError as e:  # pragma: no cover
    MISSING = str(e)

STATS = ["mean", "sd", "ci95_lo", "ci95_hi", "p025", "p05", "p50", "p95", "p975"]


def run(*args):
    r = subprocess.run([DAIS] + list(args), cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("dais %s: exit %d\n%s%s" % (" ".join(args), r.returncode,
                                                         r.stdout, r.stderr))
    return r


TMP = None


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix="dais-py-")


def tearDownModule():
    shutil.rmtree(TMP)


def baseline(tmp=None):
    """A small baseline run (3 replications of one year), made once."""
    path = os.path.join(TMP, "base.h5")
    if not os.path.exists(path):
        run("run", "scenarios/baseline.json", "--replications", "3", "--seed", "7",
            "--set", "network.horizon_years=1", "--quiet", "-o", path)
    return path


@unittest.skipIf(MISSING, "python packages missing (%s): apt-get install python3-h5py "
                 "python3-xarray python3-h5netcdf python3-pandas python3-netcdf4" % MISSING)
class Results(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dais-py-")
        cls.path = baseline(cls.tmp)
        with h5py.File(cls.path, "r") as f:
            cls.start = json.loads(f.attrs["scenario_json"])["network"]["start_date"]
            reps = sorted(k for k in f if k.startswith("rep_"))
            cls.reps = reps
            # the summary, recomputed here from the replications
            cls.nodes = np.stack([f[r]["timeseries/nodes_by_class"][:] for r in reps])
            cls.demand = np.stack([f[r]["timeseries/demand_tokens"][:] for r in reps])
            cls.scal = {k: np.array([f[r]["scalars"][k][()] for r in reps])
                        for k in f[reps[0]]["scalars"]}
            cls.classes = [c.decode() for c in f[reps[0]]["timeseries/nodes_by_class"]
                           .attrs["columns"]]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_summary_opens_in_xarray_with_both_engines(self):
        for engine in ("h5netcdf", "netcdf4"):
            ds = xr.open_dataset(self.path, group="summary", engine=engine)
            n = self.nodes.shape[1]
            self.assertEqual(dict(ds.sizes)["time"], n)
            # dates: day k is start + k days (CF "days since <start>")
            want = pd.date_range(self.start, periods=n, freq="D").values
            np.testing.assert_array_equal(ds.time.values, want)
            self.assertEqual(list(ds.node_class.values), self.classes)
            self.assertEqual(ds.nodes_by_class_mean.dims, ("time", "node_class"))
            np.testing.assert_allclose(ds.nodes_by_class_mean.values,
                                       np.nanmean(self.nodes, axis=0), rtol=self.rtol)
            self.assertEqual(ds.nodes_by_class_mean.attrs["units"], "nodes")
            self.assertIn("long_name", ds.nodes_by_class_mean.attrs)
            ds.close()

    def test_replication_series_open_in_xarray(self):
        for i, r in enumerate(self.reps):
            ds = xr.open_dataset(self.path, group=r + "/timeseries", engine="h5netcdf")
            np.testing.assert_array_equal(ds.demand_tokens.values, self.demand[i])
            self.assertEqual(ds.chain.dims, ("chain",))
            self.assertTrue(np.issubdtype(ds.time.dtype, np.datetime64))
            ds.close()

    def test_dimensions_are_attached_scales(self):
        with h5py.File(self.path, "r") as f:
            for g in ("summary", self.reps[0] + "/timeseries"):
                v = f[g]["nodes_by_class" + ("_p95" if g == "summary" else "")]
                self.assertEqual(len(v.dims[0]), 1)
                self.assertEqual(v.dims[0][0].name, "/%s/time" % g)
                self.assertEqual(v.dims[1][0].name, "/%s/node_class" % g)
                t = f[g]["time"]
                self.assertEqual(t.attrs["units"].decode(), "days since " + self.start)
                self.assertEqual(t.attrs["calendar"].decode(), "standard")

    # The summary's series statistics keep 12 significant bits (CF 1.12
    # quantization, BitRound): within half a unit of the 12th bit.
    rtol = 2.0 ** -13 + 1e-12

    def test_statistics_match_numpy(self):
        with h5py.File(self.path, "r") as f:
            s = f["summary"]
            x = self.demand
            self.assertEqual(s["demand_tokens_mean"].attrs["quantization_nsb"], 12)
            text = lambda v: v.decode() if isinstance(v, bytes) else v
            self.assertEqual(text(s["demand_tokens_mean"].attrs["quantization"]),
                             "quantization_info")
            self.assertEqual(text(s["quantization_info"].attrs["algorithm"]), "bitround")
            np.testing.assert_allclose(s["demand_tokens_mean"][:], x.mean(axis=0), rtol=self.rtol)
            np.testing.assert_allclose(s["demand_tokens_sd"][:], x.std(axis=0, ddof=1),
                                       rtol=self.rtol)
            for q, name in ((5, "p05"), (50, "p50"), (95, "p95")):
                np.testing.assert_allclose(s["demand_tokens_" + name][:],
                                           np.percentile(x, q, axis=0), rtol=self.rtol)

    def test_counts_are_integers(self):
        with h5py.File(self.path, "r") as f:
            for obj, name in ((f, "replications"), (f, "threads"), (f["summary"], "replications")):
                self.assertTrue(np.issubdtype(np.asarray(obj.attrs[name]).dtype, np.integer), name)
            self.assertEqual(f.attrs["replications"], 3)
            k = next(iter(self.scal))
            self.assertEqual(f["summary"][k + "_n"].dtype, np.int64)

    def test_datasets_are_compressed(self):
        with h5py.File(self.path, "r") as f:
            d = f["summary/nodes_by_class_mean"]
            self.assertEqual(d.compression, "gzip")
            self.assertTrue(d.shuffle)
            self.assertTrue(d.fletcher32)

    def test_open_results(self):
        ds = dais.open_results(self.path)
        self.assertEqual(ds.attrs["replications"], 3)
        self.assertEqual(ds.attrs["model"], "network")
        st = dais.open_results(self.path, stat=True)
        self.assertEqual(st.nodes_by_class.dims, ("stat", "time", "node_class"))
        self.assertEqual(list(st.stat.values), STATS)
        np.testing.assert_allclose(st.nodes_by_class.sel(stat="p50").values,
                                   np.percentile(self.nodes, 50, axis=0), rtol=1e-12)
        rep = dais.open_results(self.path, rep=2)
        np.testing.assert_array_equal(rep.demand_tokens.values, self.demand[2])

    def test_scalars(self):
        tab = dais.scalars(self.path)
        self.assertEqual(sorted(tab.index), sorted(self.scal))
        for name, v in self.scal.items():
            fin = v[np.isfinite(v)]
            self.assertEqual(tab.loc[name, "n"], 3)
            self.assertEqual(tab.loc[name, "n_finite"], len(fin))
            if len(fin):
                self.assertAlmostEqual(tab.loc[name, "mean"], fin.mean(),
                                       delta=1e-12 * max(1, abs(fin.mean())))
        self.assertEqual(tab["n"].dtype, np.int64)
        per = dais.replication_scalars(self.path)
        self.assertEqual(list(per.index), [0, 1, 2])
        name = sorted(self.scal)[0]
        np.testing.assert_array_equal(per[name].values, self.scal[name])


    def test_export_csv(self):
        out = os.path.join(self.tmp, "csv", "new")  # export makes the folder
        run("export", self.path, "--csv", "-o", out)
        with h5py.File(self.path, "r") as f:
            s = f["summary"]
            series = sorted(k[:-5] for k in s if k.endswith("_mean") and s[k].ndim >= 1)
            self.assertEqual(sorted(os.listdir(out)), sorted(x + ".csv" for x in series))
            for name in ("nodes_by_class", "demand_tokens"):
                df = pd.read_csv(os.path.join(out, name + ".csv"), keep_default_na=False,
                                 float_precision="round_trip",
                                 na_values=["NaN"])
                self.assertEqual(list(df.columns),
                                 ["date", "series", "column", "statistic", "value", "unit"])
                shape = s[name + "_mean"].shape
                cols = shape[1] if len(shape) == 2 else 1
                self.assertEqual(len(df), shape[0] * cols * len(STATS))  # days x columns x stats
                self.assertEqual(sorted(set(df.statistic)), sorted(STATS))
                self.assertEqual(set(df.unit), {s[name + "_mean"].attrs["units"].decode()})
                p95 = df[df.statistic == "p95"]
                want = s[name + "_p95"][:].reshape(shape[0], cols)
                got = p95.value.to_numpy().reshape(shape[0], cols)
                np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
                np.testing.assert_array_equal(got[~np.isnan(got)], want[~np.isnan(want)])
                days = pd.date_range(self.start, periods=shape[0], freq="D").strftime("%Y-%m-%d")
                self.assertEqual(list(p95.date.to_numpy().reshape(shape[0], cols)[:, 0]),
                                 list(days))
                if cols > 1:
                    self.assertEqual(list(p95.column[:cols]), self.classes)
        r = run("export", self.path, "--scalars", "--csv")
        import io
        sc = pd.read_csv(io.StringIO(r.stdout), keep_default_na=False, na_values=["NaN"])
        self.assertEqual(list(sc.columns), ["name", "statistic", "value", "unit"])
        self.assertEqual(len(sc), len(self.scal) * 11)
        for name, v in self.scal.items():
            row = sc[(sc.name == name) & (sc.statistic == "n_finite")]
            self.assertEqual(row.value.item(), np.isfinite(v).sum())

    def test_export_bad_folder_exits_2(self):
        r = subprocess.run([DAIS, "export", self.path, "--csv", "-o", self.path + "/x"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn(self.path, r.stderr)


@unittest.skipIf(MISSING, "python packages missing (%s)" % MISSING)
class KeepAndSweep(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="dais-py-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_keep_summary_and_scalars(self):
        full = os.path.join(self.tmp, "all.h5")
        run("run", "tests/scenarios/good/mm4_series.json", "--quiet", "-o", full,
            "--replications", "3", "--set", "queue.customers=3000")
        for keep in ("summary", "scalars"):
            p = os.path.join(self.tmp, keep + ".h5")
            run("run", "tests/scenarios/good/mm4_series.json", "--quiet", "-o", p,
                "--replications", "3", "--set", "queue.customers=3000", "--keep", keep)
            with h5py.File(full, "r") as a, h5py.File(p, "r") as b:
                self.assertEqual(b.attrs["keep"].decode(), keep)
                self.assertNotIn("timeseries", b["rep_0000"])
                self.assertNotIn("events", b["rep_0000"])
                for k in a["summary"]:  # same numbers as the full file
                    if keep == "scalars" and a["summary"][k].ndim:
                        self.assertNotIn(k, b["summary"])
                        continue
                    np.testing.assert_array_equal(a["summary"][k][()], b["summary"][k][()], k)
                for k in a["rep_0001/scalars"]:
                    self.assertEqual(a["rep_0001/scalars"][k][()], b["rep_0001/scalars"][k][()])
            self.assertTrue(len(dais.scalars(p)) > 0)

    def test_open_sweep_joins_parameters(self):
        d = os.path.join(self.tmp, "sw")
        sw = os.path.join(self.tmp, "sw.json")
        with open(sw, "w") as fp:  # scenarios/sweeps/mm1_load.json, smaller
            json.dump({"scenario": os.path.join(ROOT, "scenarios", "mm1.json"),
                       "set": ["queue.customers=2000", "queue.warmup=200", "replications=2"],
                       "parameters": [
                           {"path": "queue.arrival_rate", "values": [0.5, 0.7, 0.9]},
                           {"path": "queue.servers", "values": [1, 2]}],
                       "outputs": ["mean_wait"]}, fp)
        run("sweep", sw, "--quiet", "-o", d)
        df = dais.open_sweep(d)
        self.assertEqual(len(df), 6)
        self.assertEqual(sorted(set(df["queue.arrival_rate"])), [0.5, 0.7, 0.9])
        self.assertEqual(sorted(set(df["queue.servers"])), [1, 2])
        with open(os.path.join(d, "index.json")) as fp:
            index = json.load(fp)
        for p in index["points"]:
            row = df.loc[p["point"]]
            self.assertAlmostEqual(row["mean_wait"], p["outputs"]["mean_wait"]["mean"], places=12)
            with h5py.File(os.path.join(d, p["file"]), "r") as f:
                self.assertEqual(f.attrs["keep"].decode(), "summary")  # sweeps' default


@unittest.skipIf(MISSING, "python packages missing (%s)" % MISSING)
class DocExamples(unittest.TestCase):
    """The Python in docs/results.md and docs/examples/*.py runs, on a small
    baseline standing in for results/baseline.h5."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dais-py-")
        cls.path = baseline(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def run_code(self, code, where):
        code = code.replace("results/baseline.h5", self.path)
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), MPLBACKEND="Agg")
        r = subprocess.run([sys.executable, "-c", code], cwd=self.tmp, env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, "%s:\n%s%s" % (where, r.stdout, r.stderr))

    def test_results_md(self):
        with open(os.path.join(ROOT, "docs", "results.md"), encoding="utf-8") as fp:
            text = fp.read()
        blocks = re.findall(r"```python\n(.*?)```", text, re.S)
        self.assertTrue(blocks)
        for i, b in enumerate(blocks):
            self.run_code(b, "docs/results.md block %d" % (i + 1))

    def test_examples(self):
        ex = os.path.join(ROOT, "docs", "examples")
        files = sorted(f for f in os.listdir(ex) if f.endswith(".py"))
        self.assertTrue(files)
        for name in files:
            with open(os.path.join(ex, name), encoding="utf-8") as fp:
                self.run_code(fp.read(), "docs/examples/" + name)


if __name__ == "__main__":
    unittest.main()
