"""store.dtm(): the dtm kernel's table (one row per nonzero cell:
row,id,date,source,col,term,count; a story without a column has one row
with col, term and count NULL) reshaped into a scipy.sparse CSR matrix and
its row and column frames. Only reshaping: the counts, the selection of
terms and the numbering of rows and columns are the kernel's."""
import numpy as np
import pandas as pd

CELL = ("col", "term", "count")


def to_matrix(table):
    import scipy.sparse

    missing = [c for c in ("row",) + CELL if c not in table.columns]
    if missing:
        raise ValueError("wirescan: the dtm table lacks column(s) %s" % ", ".join(missing))
    row_cols = [c for c in table.columns if c not in CELL]
    rows = table[row_cols].drop_duplicates("row").reset_index(drop=True)
    cells = table[table["col"].notna()]
    r = cells["row"].to_numpy(dtype=np.int64) - 1
    c = cells["col"].to_numpy(dtype=np.int64) - 1
    v = cells["count"].to_numpy(dtype=np.int64)
    cols = (cells[["col", "term"]].drop_duplicates("col").sort_values("col").reset_index(drop=True))
    cols["col"] = cols["col"].astype("int64")
    # df: the stories holding the term, i.e. the nonzero cells of its column
    cols["df"] = np.bincount(c, minlength=len(cols))[cols["col"].to_numpy() - 1] if len(cols) else pd.Series(dtype="int64")
    nrows = int(rows["row"].max()) if len(rows) else 0
    ncols = int(cols["col"].max()) if len(cols) else 0
    X = scipy.sparse.csr_matrix((v, (r, c)), shape=(nrows, ncols), dtype=np.int64)
    return X, rows, cols
