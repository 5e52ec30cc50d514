#!/usr/bin/env node
// Peer comparison for `wirescan trends`: stories per month that mention a
// topic (any of a few terms), over a DuckDB table; used by
// bench/trends_bench.sh; a benchmark, not a test.
//
// Usage:
//   node bench/duckdb_trends.mjs load JSONL DBFILE THREADS
//       (untimed set-up) create DBFILE with table t(id, date, title, body)
//       from the JSONL (read_json with a fixed schema), checkpoint, close.
//   node bench/duckdb_trends.mjs query DBFILE THREADS TERMS [OUT.csv]
//       open DBFILE read-only, SET threads, run the query below for the
//       comma-separated TERMS, read every row, close. With OUT.csv the rows
//       are written as month,docs,total (for checking against wirescan; not
//       part of the timed work).
//
// The query is the one the issue names (ASCII [a-z0-9] runs of the lower-
// cased text here; Unicode letters/marks/digits and full case folding in
// wirescan); months are the first 7 characters of the ISO date:
//   SELECT substr(date, 1, 7) AS m, count(*) FILTER (WHERE list_has_any(
//     regexp_split_to_array(lower(title||' '||body), '[^a-z0-9]+'), [TERMS]))
//     AS docs, count(*) AS total
//   FROM t WHERE date IS NOT NULL GROUP BY m ORDER BY m
// Prints one line on stdout:
//   elapsed_s=S months=N docs=D duckdb=VERSION threads=T
// Exit status 2 on bad arguments, 1 when DuckDB fails.

import { writeFileSync } from 'node:fs';

import { main, sqlString, timedQuery, usageOf, version } from './duckdb_common.mjs';

const usage = usageOf('duckdb_trends', [
  'node bench/duckdb_trends.mjs load JSONL DBFILE THREADS',
  'node bench/duckdb_trends.mjs query DBFILE THREADS TERMS [OUT.csv]',
]);

const query = (terms) =>
  "SELECT substr(date, 1, 7) AS m, count(*) FILTER (WHERE list_has_any(regexp_split_to_array(" +
  "lower(title||' '||body), '[^a-z0-9]+'), [" + terms.map(sqlString).join(', ') + "])) AS docs, " +
  'count(*) AS total FROM t WHERE date IS NOT NULL GROUP BY m ORDER BY m';

await main('duckdb_trends', usage, async (db, threads, rest) => {
  if (rest.length < 1 || rest.length > 2) usage();
  const [termList, outCsv] = rest;
  const terms = termList.split(',').filter((s) => s.length);
  if (!terms.length) usage('TERMS is empty');
  const { rows, seconds } = await timedQuery(db, threads, query(terms), usage);
  let docs = 0;
  for (const r of rows) docs += Number(r[1]);
  if (outCsv) {
    writeFileSync(outCsv, 'month,docs,total\n' + rows.map((r) => `${r[0]},${Number(r[1])},${Number(r[2])}`).join('\n') + '\n');
  }
  process.stdout.write(`elapsed_s=${seconds.toFixed(4)} months=${rows.length} docs=${docs} ` +
                       `duckdb=${version()} threads=${threads}\n`);
});
