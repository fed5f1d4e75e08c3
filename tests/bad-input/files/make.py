#!/usr/bin/python3
"""make.py: builds the hostile and damaged results files of the bad-input corpus
from good.h5 (a small results file written by DAIS through make_good.c: two
replications, a series, a two-column series, a scalar and an event).  Needs
h5py; run it here by hand when good.h5 changes, and commit what it writes."""
import shutil
import h5py

def copy(name):
    shutil.copy("good.h5", name)
    return h5py.File(name, "r+")

def flip(name, offset):
    b = bytearray(open(name, "rb").read())
    b[offset] ^= 0x20
    open(name, "wb").write(b)

# groups that form a cycle: a replication holds a link to its parent
with copy("cycle.h5") as f:
    f["rep_0000/timeseries/loop"] = f["rep_0000"]
    f["summary/up"] = f["summary"]

# text read from the file that a gnuplot script would run, if it were quoted
# the wrong way: backticks and $( ) in units, a quote and a newline in columns
with copy("evil_text.h5") as f:
    s = f["summary"]
    evil = "tokens `touch pwned_units` $(touch pwned_dollar) it's"
    cols = ["sui'`touch pwned_col`", "solana\nset output 'pwned_newline'"]
    for name, ds in s.items():
        if name.startswith("demand_"):
            ds.attrs["units"] = evil
        if name.startswith("chain_utilisation_"):
            ds.attrs["columns"] = cols

# a series whose name would make a file outside the output folder
with copy("evil_name.h5") as f:
    for name in [n for n in f["summary"] if n.startswith("demand_")]:
        stat = name[len("demand_"):]
        f.move("summary/" + name, "summary/..%2fescape`touch pwned_name`_" + stat)

# one flipped byte in a data chunk of a summary series
shutil.copy("good.h5", "damaged_chunk.h5")
with h5py.File("good.h5", "r") as f:
    off = f["summary/demand_mean"].id.get_chunk_info(0).byte_offset
flip("damaged_chunk.h5", off + 3)

# one flipped byte in an object header (replication 0's group)
shutil.copy("good.h5", "damaged_header.h5")
with h5py.File("good.h5", "r") as f:
    addr = h5py.h5o.get_info(f["rep_0000"].id).addr
flip("damaged_header.h5", addr + 40)

# the file cut short
b = open("good.h5", "rb").read()
open("truncated.h5", "wb").write(b[: len(b) // 2])
