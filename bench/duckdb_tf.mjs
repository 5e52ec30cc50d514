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

import { DuckDBInstance, version } from '@duckdb/node-api';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function usage(msg) {
  if (msg) process.stderr.write(`duckdb_tf: ${msg}\n`);
  process.stderr.write('usage: node bench/duckdb_tf.mjs load JSONL DBFILE THREADS\n' +
                       '       node bench/duckdb_tf.mjs query DBFILE THREADS [OUT.csv]\n');
  process.exit(2);
}

const QUERY = "SELECT w, count(*) AS n FROM (SELECT unnest(regexp_split_to_array(" +
              "lower(title||' '||body), '[^a-z0-9]+')) w FROM t) WHERE w <> '' GROUP BY w";

const [cmd, ...args] = process.argv.slice(2);
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
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
    if (args.length < 2 || args.length > 3) usage();
    const [db, th, outCsv] = args;
    const threads = threadsOf(th);
    if (!existsSync(db)) usage(`${db}: no such database`);
    const t0 = performance.now();
    instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
    conn = await instance.connect();
    await conn.run(`SET threads=${threads}`);
    const reader = await conn.runAndReadAll(QUERY);
    const rows = reader.getRows();
    let tokens = 0;
    for (const r of rows) tokens += Number(r[1]);
    conn.closeSync();
    instance.closeSync();
    conn = instance = undefined;
    const t1 = performance.now();
    if (outCsv) {
      rows.sort((a, b) => (Number(b[1]) - Number(a[1])) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      writeFileSync(outCsv, 'term,count\n' + rows.map((r) => `${r[0]},${Number(r[1])}`).join('\n') + '\n');
    }
    process.stdout.write(`elapsed_s=${((t1 - t0) / 1000).toFixed(4)} terms=${rows.length} tokens=${tokens} ` +
                         `duckdb=${version()} threads=${threads}\n`);
  } else {
    usage(cmd ? `unknown command '${cmd}'` : undefined);
  }
} catch (e) {
  process.stderr.write(`duckdb_tf: ${e && e.message ? e.message : e}\n`);
  try { conn?.closeSync(); instance?.closeSync(); } catch { /* already failing */ }
  process.exit(1);
}
