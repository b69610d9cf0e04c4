"""The filter-pipe benchmark operation done with pandas, the way the seed's ws_apply_filters does it.

Usage: /usr/bin/python3 pandas_pipe.py ROWS.json SPEC.json REPS WARMUP FRAME_REPS
Prints one JSON object: count, symbols of the page, and timings in ms:
  op_ms          the operation on a DataFrame built beforehand (pandas' best case)
  with_frame_ms  pd.DataFrame(records) + the operation, as ws_apply_filters pays on every call
"""
import json
import sys
import time

import numpy as np
import pandas as pd

# currency symbols, thousands commas, "%" and a trailing unit word: "$1,234,567", "52.34 %", "1,234 USD"
FORMATTING = r"[$€£¥,%]|\s+[A-Za-z]+\s*$"


def to_number(column: pd.Series) -> pd.Series:
    if column.dtype != object:
        return column
    return pd.to_numeric(column.str.replace(FORMATTING, "", regex=True).str.strip(), errors="coerce")


def run(df: pd.DataFrame, spec: dict):
    rows = df[df["market_cap"] > spec["min_market_cap"]]
    if spec.get("chains"):
        rows = rows[rows["chain"].str.lower().isin([chain.lower() for chain in spec["chains"]])]

    if spec.get("search"):
        needle = spec["search"].lower()
        hit = np.zeros(len(rows), dtype=bool)
        for name in rows.columns:
            if rows[name].dtype == object:
                hit |= rows[name].str.lower().str.contains(needle, regex=False).fillna(False).to_numpy(dtype=bool)
        rows = rows[hit]
    count = len(rows)

    keys = to_number(rows[spec["sort_by"]])
    order = keys.sort_values(ascending=not spec["descending"], kind="stable", na_position="last").index
    start = (spec["page"] - 1) * spec["page_size"]
    page = rows.loc[order[start : start + spec["page_size"]]]
    return count, page["symbol"].tolist()


def timed(action, reps: int, warmup: int):
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    rows_path, spec_path, reps, warmup, frame_reps = sys.argv[1:6]
    with open(rows_path) as rows_file:
        records = json.load(rows_file)
    with open(spec_path) as spec_file:
        spec = json.load(spec_file)

    df = pd.DataFrame(records)
    count, symbols = run(df, spec)
    op_ms = timed(lambda: run(df, spec), int(reps), int(warmup))
    with_frame_ms = timed(lambda: run(pd.DataFrame(records), spec), int(frame_reps), 1)
    print(json.dumps({
        "count": count,
        "symbols": symbols,
        "op_ms": op_ms,
        "with_frame_ms": with_frame_ms,
        "pandas_version": pd.__version__,
    }))


if __name__ == "__main__":
    main()
