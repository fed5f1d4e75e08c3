#!/usr/bin/env python3
"""derive.py — rebuilds the small Bitcoin tables in data/btc/ from the team's
reference data (/work/shared/reference/data, or $DAIS_REFDATA).  Run it from
anywhere: python3 data/btc/derive.py.  Hand-judged rows (ASIC generations,
electricity, hardware life, fee gaps) are written from the tables below, each
with its quality tag and basis; everything else is computed from the raw files.
"""
import csv, os, sys, collections

REF = os.environ.get("DAIS_REFDATA", "/work/shared/reference/data")
OUT = os.path.dirname(os.path.abspath(__file__))

def rows(name):
    with open(os.path.join(REF, name)) as f:
        return list(csv.DictReader(l for l in f if not l.startswith("#")))

def write(name, source, header, data, comments=()):
    with open(os.path.join(OUT, name), "w") as f:
        f.write("# source: " + source + "\n")
        for c in comments:
            f.write("# " + c + "\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in data:
            w.writerow(r)

# -- BTC price: monthly means 2010-07 .. 2025-12 -------------------------------
pm = [r for r in rows("btc_usd_monthly.csv") if "2010-07" <= r["month"] <= "2025-12"]
write("price_monthly.csv",
      "reference/data/btc_usd_monthly.csv (monthly mean of daily closes: Coin Metrics PriceUSD via github SciEcon/data to 2020-07-27, CryptoCompare CCCAGG via github nodeowl21/bitcoin_loan_planner after); quality A/B",
      ["month", "mean_usd", "n_days", "source"],
      [(r["month"], r["mean_usd"], r["n_days"], r["source"]) for r in pm],
      ["2010-07 covers 07-18..07-31 only; 2013-07..2014-02 exchanges differed by 5-22% (Mt.Gox), see btc_economics.md"])

# -- hash rate: monthly means of the 3-day Blockchain.com samples ---------------
acc = collections.OrderedDict()
for r in rows("btc_hashrate_3day_2009_2020.csv"):
    m = r["date"][:7]
    if m < "2010-07":
        continue
    acc.setdefault(m, []).append(float(r["hashrate_EHs"]))
write("hashrate_monthly.csv",
      "reference/data/btc_hashrate_3day_2009_2020.csv = github mattk8/mining-data bitcoin_hashrate.csv (Blockchain.com hash-rate export; 3-day samples); monthly mean of the samples dated in the month; quality A/B",
      ["month", "hashrate_ehs", "n_samples"],
      [(m, "%.6g" % (sum(v) / len(v)), len(v)) for m, v in acc.items()],
      ["2020-03 ends 2020-03-11 (last sample of the export)"])

# -- hash rate points 2020-2025 (held-out period) -------------------------------
pts = []
for r in rows("btc_hashrate_points_2019_2025.csv"):
    d = r["date"]
    if d < "2020" or "as stated" in r["metric"]:
        continue                 # 2019 is in the monthly series; paper claims are not observations
    basis = "day"
    if len(d) == 7:
        d, basis = d + "-15", "month (placed mid-month)"
    metric = r["metric"].replace(",", ";")
    pts.append((d, r["hashrate_EHs"], metric, basis, "B", r["source_url"]))
write("hashrate_points.csv",
      "reference/data/btc_hashrate_points_2019_2025.csv (news and data pages citing Blockchain.com, Glassnode, mempool.space, Hashrate Index; see source column); Atoma paper/whitepaper claims left out (not observations); quality B",
      ["date", "hashrate_ehs", "metric", "date_basis", "quality", "source"], pts,
      ["metric as given by the source: 7dma = 7-day moving average, raw/daily = one-day estimate, peak/record/ATH = a maximum (biased high)"])

# -- halvings -------------------------------------------------------------------
hv = []
for r in rows("btc_halvings.csv"):
    q = "A (consensus rule) / B (date)"
    d = r["date"]
    if "~" in d:
        d, q = "2028-04-15", "U (date estimated: 210000 blocks x 10 min)"
    elif r["event"] == "genesis":
        q = "A"
    hv.append((r["event"], r["block_height"], d, r["subsidy_after_BTC"], q))
write("halvings.csv",
      "reference/data/btc_halvings.csv (interval 210000 blocks: bitcoin/bitcoin chainparams nSubsidyHalvingInterval; dates: teletype.in/@bitcoin/bitcoin-halving, timi.ro for 2024)",
      ["event", "block_height", "date", "subsidy_after_btc", "quality"], hv)

# -- fees per block by epoch ----------------------------------------------------
write("fees_by_epoch.csv",
      "reference/data/btc_fees_per_block.csv (CryptoSlate epoch averages via digestwire.com 2023-12-18; 2025 from hashlabs.io and CryptoQuant via gate.tv)",
      ["start", "end", "fee_btc_per_block", "quality", "basis"],
      [("2009-01-03", "2012-11-28", 0.367, "B", "epoch 1 average"),
       ("2012-11-28", "2016-07-09", 0.040, "B", "epoch 2 average"),
       ("2016-07-09", "2020-05-11", 0.185, "B", "epoch 3 average"),
       ("2020-05-11", "2023-12-18", 0.776, "B", "epoch 4 average to the article date"),
       ("2023-12-18", "2025-01-01", 0.776, "U", "no stored figure for 2024 (Runes spike in April): epoch-4 average carried forward (estimate)"),
       ("2025-01-01", "2026-01-01", 0.036, "B", "2025 YTD average (hashlabs.io)")])

# -- ASIC generations (hand-judged from the reference tables) --------------------
# available = first day the generation is the frontier purchase; a generation is
# on sale until the next one is available.  agent_ths = capacity of one
# simulated operator (a modelling choice, keeps agent counts below ~1e6).
gens = [
 ("gpu", "GPU (Radeon HD 5870 class)", "2010-07-18", 480000, 700000, 1000000, 1500000, 0.0004, "U",
  "estimate from memory of the bitcoin-wiki hardware comparison: ~0.4 GH/s at ~190 W and ~$400 per card; no stored source"),
 ("asic_2013h1", "Avalon batch 1-3 / BFL SC", "2013-01-22", 8500, 18000, 19000, 21650, 0.05, "C",
  "asic_price_points.csv (Avalon 9351/8537 J/TH; BFL 4000) and asic_usd_per_th_annual_estimate.csv 2013H1"),
 ("asic_2013h2", "KnC Jupiter / Antminer S1 / HashFast", "2013-07-01", 1500, 9990, 12000, 14000, 0.5, "C",
  "btc_asic_efficiency.csv (S1 2000) and asic_price_points.csv (Jupiter 1200; Baby Jet 1100); annual estimate 2013H2"),
 ("asic_2014h1", "Antminer S2 class", "2014-01-01", 1100, 2259, 2500, 3333, 1.0, "C",
  "asic_price_points.csv (S2 1100 J/TH, $2259/TH); annual estimate 2014H1"),
 ("asic_2014h2", "Antminer S3/S4/S5; SP20", "2014-07-01", 650, 320, 700, 4332, 2.0, "C",
  "btc_asic_efficiency.csv (S3 710, S5 510) and asic_price_points.csv (S4 700, SP20 650); annual estimate 2014H2"),
 ("asic_2015h1", "Antminer S5; SP35", "2015-01-01", 550, 320, 350, 406, 5.0, "C",
  "asic_price_points.csv (S5 510, SP35 660); annual estimate 2015H1"),
 ("asic_2015h2", "Antminer S7", "2015-08-01", 250, 280, 320, 375, 5.0, "B",
  "btc_asic_efficiency.csv (S7 250); annual estimate 2015H2"),
 ("asic_2016h1", "Antminer S7 (Jan batch)", "2016-01-01", 250, 171, 230, 280, 5.0, "B",
  "annual estimate 2016H1 (S7 Jan-16 batch); S7 efficiency"),
 ("asic_2016h2", "Antminer S9; Avalon 741", "2016-06-15", 100, 126, 170, 199, 13.0, "B",
  "btc_asic_efficiency.csv (S9 100); annual estimate 2016H2"),
 ("asic_2017", "Antminer S9; Avalon 761", "2017-01-01", 98, 91, 100, 211, 13.0, "B",
  "asic_price_points.csv (S9 98 J/TH; Bitmain 2017 ASP); annual estimate 2017"),
 ("asic_2018h1", "Antminer S9/S9i; Ebit E10", "2018-01-01", 95, 75, 75, 291, 13.0, "B",
  "asic_price_points.csv (S9 98, E10 90); annual estimate 2018H1 (Bitmain ASP)"),
 ("asic_2018h2", "Antminer S9/S15", "2018-07-01", 85, 50, 50, 75, 13.0, "U",
  "no direct observation: $/TH interpolated in the annual estimate (U); J/TH between S9 (98) and the Jul-2018 fleet average (89) and S15 (estimate)"),
 ("asic_2019", "Antminer S17; Avalon 1041; M20", "2019-04-01", 50, 29, 40, 56, 50.0, "B",
  "btc_asic_efficiency.csv (S17 Pro 40) and asic_price_points.csv Dec-2019 (S17 45, A1041 56, M10 65); annual estimate 2019"),
 ("asic_2020", "Antminer S17+/S19/S19 Pro", "2020-01-01", 34, 18, 22, 40, 100.0, "B",
  "btc_mining_devices_2018_2020.csv (S19 Pro 30, S19 34, S17+ 40); annual estimate 2020"),
 ("asic_2021", "Antminer S19/S19j Pro; M30S", "2021-01-01", 32, 30, 80, 119, 100.0, "B",
  "Hashrate Index <38 J/TH tier (asic_price_points.csv); annual estimate 2021"),
 ("asic_2022", "Antminer S19 XP/S19j Pro; M50", "2022-01-01", 26, 15, 35, 60, 140.0, "B",
  "S19 XP 21.5 (U in btc_asic_efficiency.csv) mixed with S19j Pro ~29.5; annual estimate 2022"),
 ("asic_2023", "Antminer S19 XP/S19j XP; S21 (Q4)", "2023-01-01", 21, 8, 18, 27, 150.0, "B",
  "asic_price_points.csv (S19 XP 21.5, S21 17.5); annual estimate 2023"),
 ("asic_2024", "Antminer S21/S21 Pro; T21", "2024-01-01", 17, 13, 16, 17.5, 200.0, "A",
  "btc_asic_efficiency.csv (S21 17.5, S21 Pro 15) and T21 19; annual estimate 2024 (Riot 10-Q)"),
 ("asic_2025", "Antminer S21+/S21 Pro/S21 XP", "2025-01-01", 15, 13, 15, 17, 230.0, "C",
  "btc_asic_efficiency.csv (S21 Pro 15, S21 XP 13.5); annual estimate 2025 (one undated retail listing)"),
]
write("asic_generations.csv",
      "derived by hand from reference/data/btc_asic_efficiency.csv, asic_price_points.csv, asic_usd_per_th_annual_estimate.csv, btc_mining_devices_2018_2020.csv (each row's basis column names its inputs); quality A/B/C as in the reference, U = estimate",
      ["generation", "name", "available", "j_per_th", "usd_per_th_low", "usd_per_th_central", "usd_per_th_high", "machine_ths", "quality", "basis"],
      gens,
      ["a generation is the frontier purchase from its available date until the next row's; j_per_th is nameplate (flagship) efficiency; usd_per_th is the new-hardware price in that period",
       "machine_ths: hash rate of one machine of the generation (TH/s; the GPU row is one card, estimate)",
       "which column a run uses is $.bitcoin.capex, in every year: central (default), the reference's judgement across each period's frontier price points, made from prices alone, not from hash rate or back-test error; low/high are the range of those points, for sensitivity runs only (docs/models.md, 'Bitcoin back-test')"])

# -- electricity (USD/kWh paid by the marginal miner; knots, linear in between) --
write("electricity.csv",
      "reference/data/electricity_cost_points.csv and btc_economics.md section 3 (suggested defaults); knots judged by hand, linear interpolation between them",
      ["date", "usd_per_kwh", "low", "high", "quality", "basis"],
      [("2010-07-18", 0.12, 0.10, 0.15, "U", "hobbyist/retail era: reference suggestion 0.10-0.15"),
       ("2013-01-22", 0.12, 0.10, 0.25, "C", "organofcorti 0.25 (AU/EU retail); US retail ~0.10"),
       ("2014-10-13", 0.06, 0.06, 0.09, "C", "DataDater global average 0.06; US home miner 0.09"),
       ("2019-05-31", 0.05, 0.01, 0.09, "B", "CoinShares headline 0.05"),
       ("2019-12-03", 0.04, 0.01, 0.07, "B", "CoinShares headline lowered to 0.04"),
       ("2020-03-01", 0.05, 0.04, 0.06, "B", "F2Pool list implies 0.05"),
       ("2022-07-01", 0.045, 0.031, 0.08, "A", "Riot 2022 gross 0.0445 (8-K); Luxor 0.05-0.08"),
       ("2023-07-01", 0.044, 0.021, 0.08, "A", "Riot 2023 gross 0.0444"),
       ("2024-07-01", 0.042, 0.034, 0.08, "A", "Riot 2024 gross 0.0419"),
       ("2025-12-31", 0.045, 0.04, 0.08, "U", "2025: hosting 0.05-0.08 (C); industrial 0.04-0.06 (reference suggestion)")])

# -- hardware economic life by purchase date --------------------------------------
write("hardware_life.csv",
      "reference/data/hardware_lifetime_points.csv and btc_economics.md section 3 (suggested defaults); the life of a generation is the row in force at its available date",
      ["from", "life_years", "low", "high", "residual_pct", "quality", "basis"],
      [("2010-07-18", 1.5, 1.0, 3.0, 20, "U", "GPUs kept a resale value for gaming; estimate"),
       ("2013-01-01", 1.0, 0.5, 1.5, 0, "C", "reference suggestion before 2016: 0.5-1.5 yr; DataDater S3 ~153 days"),
       ("2016-01-01", 2.25, 1.5, 2.5, 10, "B", "CoinShares 18-30 months; Bitmain 180 days/30% residual (own mining, A)"),
       ("2020-01-01", 3.0, 2.0, 5.0, 20, "A", "Riot 2 yr; Greenidge 5->3 yr; Marathon 5 yr; reference suggestion 3 yr, residual 10-30%")])
print("wrote", OUT)
