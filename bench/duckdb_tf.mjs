#!/usr/bin/env node
// Peer comparison for `wirescan tf`: term counts over a DuckDB table, used by
// bench/tf_bench.sh; a benchmark, not a test.
//
// Usage:
//   node bench/duckdb_tf.mjs load JSONL DBFILE THREADS
//       (untimed set-up) create DBFILE with table t(id, date, title, body)
//       from the JSONL (read_json with a fixed schema), checkpoint, close.
//   node bench/duckdb_tf.mjs query DBFILE THREADS [OUT.csv]
//       open DBFILE read-only, SET threads, run the term-count query below,
//       read every row of the result, close. With OUT.csv the counts are
//       written as term,count sorted by count desc then term (for checking
//       against wirescan; not part of the timed work).
//
// The query is the one the issue names, computing the same counts as
// `wirescan tf --top 0` up to tokenisation (ASCII [a-z0-9] runs of the
// lower-cased text here; Unicode letters/marks/digits in wirescan):
//   SELECT w, count(*) FROM (SELECT unnest(regexp_split_to_array(
//     lower(title||' '||body), '[^a-z0-9]+')) w FROM t) WHERE w <> '' GROUP BY w
// The work inside DuckDB is timed here too (elapsed_s: connect to close);
// tf_bench.sh also times the whole node process, start-up included, which is
// what it compares with the whole wirescan process.
//
// Prints one line on stdout:
//   elapsed_s=S terms=N tokens=T duckdb=VERSION threads=T
// Exit status 2 on bad arguments, 1 when DuckDB fails.

import { writeFileSync } from 'node:fs';

import { main, timedQuery, usageOf, version } from './duckdb_common.mjs';

const usage = usageOf('duckdb_tf', [
  'node bench/duckdb_tf.mjs load JSONL DBFILE THREADS',
  'node bench/duckdb_tf.mjs query DBFILE THREADS [OUT.csv]',
]);

const QUERY = "SELECT w, count(*) AS n FROM (SELECT unnest(regexp_split_to_array(" +
              "lower(title||' '||body), '[^a-z0-9]+')) w FROM t) WHERE w <> '' GROUP BY w";

await main('duckdb_tf', usage, async (db, threads, rest) => {
  if (rest.length > 1) usage();
  const [outCsv] = rest;
  const { rows, seconds } = await timedQuery(db, threads, QUERY, usage);
  let tokens = 0;
  for (const r of rows) tokens += Number(r[1]);
  if (outCsv) {
    rows.sort((a, b) => (Number(b[1]) - Number(a[1])) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    writeFileSync(outCsv, 'term,count\n' + rows.map((r) => `${r[0]},${Number(r[1])}`).join('\n') + '\n');
  }
  process.stdout.write(`elapsed_s=${seconds.toFixed(4)} terms=${rows.length} tokens=${tokens} ` +
                       `duckdb=${version()} threads=${threads}\n`);
});
