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

import { DuckDBInstance, version } from '@duckdb/node-api';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function usage(msg) {
  if (msg) process.stderr.write(`duckdb_cooc: ${msg}\n`);
  process.stderr.write('usage: node bench/duckdb_cooc.mjs load JSONL DBFILE THREADS\n' +
                       '       node bench/duckdb_cooc.mjs query DBFILE THREADS TERM [OUT.csv]\n');
  process.exit(2);
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const query = (term) =>
  "WITH toks AS (SELECT DISTINCT id, w FROM (SELECT id, unnest(regexp_split_to_array(" +
  "lower(title||' '||body), '[^a-z0-9]+')) AS w FROM t) WHERE w <> ''), " +
  `hit AS (SELECT id FROM toks WHERE w = ${sqlString(term)}) ` +
  `SELECT w, count(*) AS n FROM toks JOIN hit USING (id) WHERE w <> ${sqlString(term)} GROUP BY w`;

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
    const [db, th, term, outCsv] = args;
    const threads = threadsOf(th);
    if (!existsSync(db)) usage(`${db}: no such database`);
    const t0 = performance.now();
    instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
    conn = await instance.connect();
    await conn.run(`SET threads=${threads}`);
    const reader = await conn.runAndReadAll(query(term));
    const rows = reader.getRows();
    conn.closeSync();
    instance.closeSync();
    conn = instance = undefined;
    const t1 = performance.now();
    if (outCsv) {
      rows.sort((a, b) => (Number(b[1]) - Number(a[1])) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      writeFileSync(outCsv, 'term,cooc\n' + rows.map((r) => `${r[0]},${Number(r[1])}`).join('\n') + '\n');
    }
    process.stdout.write(`elapsed_s=${((t1 - t0) / 1000).toFixed(4)} collocates=${rows.length} ` +
                         `duckdb=${version()} threads=${threads}\n`);
  } else {
    usage(cmd ? `unknown command '${cmd}'` : undefined);
  }
} catch (e) {
  process.stderr.write(`duckdb_cooc: ${e && e.message ? e.message : e}\n`);
  try { conn?.closeSync(); instance?.closeSync(); } catch { /* already failing */ }
  process.exit(1);
}
