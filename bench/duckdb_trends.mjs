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

import { DuckDBInstance, version } from '@duckdb/node-api';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function usage(msg) {
  if (msg) process.stderr.write(`duckdb_trends: ${msg}\n`);
  process.stderr.write('usage: node bench/duckdb_trends.mjs load JSONL DBFILE THREADS\n' +
                       '       node bench/duckdb_trends.mjs query DBFILE THREADS TERMS [OUT.csv]\n');
  process.exit(2);
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const query = (terms) =>
  "SELECT substr(date, 1, 7) AS m, count(*) FILTER (WHERE list_has_any(regexp_split_to_array(" +
  "lower(title||' '||body), '[^a-z0-9]+'), [" + terms.map(sqlString).join(', ') + "])) AS docs, " +
  'count(*) AS total FROM t WHERE date IS NOT NULL GROUP BY m ORDER BY m';

const [cmd, ...args] = process.argv.slice(2);
const threadsOf = (s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) usage(`THREADS must be a positive integer, not '${s}'`);
  return n;
};

let instance;
let conn;
try {
  if (cmd === 'load') {
    if (args.length !== 3) usage();
    const [jsonl, db, th] = args;
    const threads = threadsOf(th);
    if (!existsSync(jsonl)) usage(`${jsonl}: no such file`);
    for (const p of [db, `${db}.wal`]) rmSync(p, { force: true });
    instance = await DuckDBInstance.create(db);
    conn = await instance.connect();
    await conn.run(`SET threads=${threads}`);
    await conn.run(`CREATE TABLE t AS SELECT id, date, coalesce(title, '') AS title, coalesce(body, '') AS body ` +
                   `FROM read_json(${sqlString(jsonl)}, format='newline_delimited', ` +
                   `columns={id: 'VARCHAR', date: 'VARCHAR', title: 'VARCHAR', body: 'VARCHAR'})`);
    await conn.run('CHECKPOINT');
    const r = await conn.runAndReadAll('SELECT count(*) FROM t');
    process.stdout.write(`rows=${Number(r.getRows()[0][0])} duckdb=${version()}\n`);
  } else if (cmd === 'query') {
    if (args.length < 3 || args.length > 4) usage();
    const [db, th, termList, outCsv] = args;
    const threads = threadsOf(th);
    const terms = termList.split(',').filter((s) => s.length);
    if (!terms.length) usage('TERMS is empty');
    if (!existsSync(db)) usage(`${db}: no such database`);
    const t0 = performance.now();
    instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
    conn = await instance.connect();
    await conn.run(`SET threads=${threads}`);
    const reader = await conn.runAndReadAll(query(terms));
    const rows = reader.getRows();
    let docs = 0;
    for (const r of rows) docs += Number(r[1]);
    conn.closeSync();
    instance.closeSync();
    conn = instance = undefined;
    const t1 = performance.now();
    if (outCsv) {
      writeFileSync(outCsv, 'month,docs,total\n' + rows.map((r) => `${r[0]},${Number(r[1])},${Number(r[2])}`).join('\n') + '\n');
    }
    process.stdout.write(`elapsed_s=${((t1 - t0) / 1000).toFixed(4)} months=${rows.length} docs=${docs} ` +
                         `duckdb=${version()} threads=${threads}\n`);
  } else {
    usage(cmd ? `unknown command '${cmd}'` : undefined);
  }
} catch (e) {
  process.stderr.write(`duckdb_trends: ${e && e.message ? e.message : e}\n`);
  try { conn?.closeSync(); instance?.closeSync(); } catch { /* already failing */ }
  process.exit(1);
}
