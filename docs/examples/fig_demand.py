"""fig_demand.py: the data of the paper's demand figure (paper/figures/fig_demand.*,
drawn by analysis/plots/fig_demand.gp from `dais export` tables), straight from a
results file with python/dais: world demand (trend), the tokens offered to the
network and those it served, each the mean across replications with the band
where 90% of replications land (p05..p95), against calendar dates.

    build/dais run scenarios/baseline.json -o results/baseline.h5
    PYTHONPATH=python python3 docs/examples/fig_demand.py

Writes fig_demand.csv (one row per day) and prints yearly means; draws
fig_demand.png as well when matplotlib is installed.
"""
import pandas as pd

import dais

ds = dais.open_results("results/baseline.h5")
cols = {"world_trend": "demand_trend_tokens_mean"}
for s in ("offered", "served"):
    for stat in ("mean", "p05", "p95"):
        cols["%s_%s" % (s, stat)] = "%s_tokens_%s" % (s, stat)
fig = pd.DataFrame({k: ds[v].to_series() for k, v in cols.items()})
fig.index.name = "date"
units = ds["offered_tokens_mean"].attrs["units"]

fig.to_csv("fig_demand.csv")
print("tokens per day (%s), yearly means across the run:" % units)
print(fig.resample("YS").mean()[["world_trend", "offered_mean", "served_mean"]]
      .to_string(float_format="%.3g"))

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    ax = fig["world_trend"].plot(color="#444444", lw=2, logy=True, label="world demand (trend)")
    for s, c in (("offered", "#1f77b4"), ("served", "#d62728")):
        ax.fill_between(fig.index, fig[s + "_p05"], fig[s + "_p95"], color=c, alpha=0.2)
        fig[s + "_mean"].plot(ax=ax, color=c, lw=2, label=s)
    ax.set_ylabel("tokens per day")
    ax.legend(loc="upper left")
    plt.savefig("fig_demand.png", dpi=100)
