#!/usr/bin/env node
// Peer comparison for `wirescan cooc --doc --term T`: the collocates of one
// term in document contexts over a DuckDB table, used by bench/cooc_bench.sh;
// a benchmark, not a test.
//
// Usage:
//   node bench/duckdb_cooc.mjs load JSONL DBFILE THREADS
//       (untimed set-up) create DBFILE with table t(id, date, title, body)
//       from the JSONL (read_json with a fixed schema), checkpoint, close.
//   node bench/duckdb_cooc.mjs query DBFILE THREADS TERM [OUT.csv]
//       open DBFILE read-only, SET threads, run the query below, read every
//       row, close. With OUT.csv the rows are written as term,cooc sorted by
//       cooc desc then term (for comparing with wirescan; not timed).
//
// The query is the one the issue names: distinct (story, term) pairs from
// the lower-cased text split on [^a-z0-9]+, joined on the stories that
// contain TERM, counted per collocate (TERM itself left out):
//   WITH toks AS (SELECT DISTINCT id, w FROM (SELECT id, unnest(
//          regexp_split_to_array(lower(title||' '||body), '[^a-z0-9]+')) AS w
//          FROM t) WHERE w <> ''),
//        hit AS (SELECT id FROM toks WHERE w = TERM)
//   SELECT w, count(*) FROM toks JOIN hit USING (id) WHERE w <> TERM GROUP BY w
// Prints one line on stdout:
//   elapsed_s=S collocates=N duckdb=VERSION threads=T
// Exit status 2 on bad arguments, 1 when DuckDB fails.

import { writeFileSync } from 'node:fs';

import { main, timedQuery, usageOf, version, sqlString } from './duckdb_common.mjs';

const usage = usageOf('duckdb_cooc', [
  'node bench/duckdb_cooc.mjs load JSONL DBFILE THREADS',
  'node bench/duckdb_cooc.mjs query DBFILE THREADS TERM [OUT.csv]',
]);

const query = (term) =>
  "WITH toks AS (SELECT DISTINCT id, w FROM (SELECT id, unnest(regexp_split_to_array(" +
  "lower(title||' '||body), '[^a-z0-9]+')) AS w FROM t) WHERE w <> ''), " +
  `hit AS (SELECT id FROM toks WHERE w = ${sqlString(term)}) ` +
  `SELECT w, count(*) AS n FROM toks JOIN hit USING (id) WHERE w <> ${sqlString(term)} GROUP BY w`;

await main('duckdb_cooc', usage, async (db, threads, rest) => {
  if (rest.length < 1 || rest.length > 2) usage();
  const [term, outCsv] = rest;
  const { rows, seconds } = await timedQuery(db, threads, query(term), usage);
  if (outCsv) {
    rows.sort((a, b) => (Number(b[1]) - Number(a[1])) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    writeFileSync(outCsv, 'term,cooc\n' + rows.map((r) => `${r[0]},${Number(r[1])}`).join('\n') + '\n');
  }
  process.stdout.write(`elapsed_s=${seconds.toFixed(4)} collocates=${rows.length} ` +
                       `duckdb=${version()} threads=${threads}\n`);
});
