#!/usr/bin/env node
// Peer comparison for `wirescan ingest`: load one JSONL file into a fresh
// DuckDB database file and report how long that took. Used by
// bench/ingest_bench.sh; a benchmark, not a test.
//
// Usage: node bench/duckdb_load.mjs [--mode explicit|auto] JSONL DBFILE THREADS
//
// Timed, inside this process: create the database file (any old one and its
// WAL are removed first, untimed), SET threads, CREATE TABLE t AS SELECT * FROM
// read_json(...), CHECKPOINT, close. Node's start-up and the loading of the
// DuckDB library are not in this figure (the shell script times the whole
// process separately).
//
// --mode explicit (default): read_json(format='newline_delimited',
//   columns={id, date, source, title, body: VARCHAR}). A fixed schema: no
//   sampling pass, no type inference that can fail on an odd row far into the
//   file, keys other than these five are skipped, date stays text. DuckDB
//   therefore does strictly less work than wirescan ingest (which parses the
//   date, dictionary-encodes source and tags, and tokenises title and body), so
//   the comparison errs in DuckDB's favour.
// --mode auto: read_json_auto(format='newline_delimited'): every key, types
//   inferred from a sample (date as a timestamp when every sampled value
//   parses, tag arrays as VARCHAR[]). Closer in content to a wirescan store,
//   but the schema depends on the data.
//
// Prints one line on stdout:
//   elapsed_s=S rows=N db_bytes=B duckdb=VERSION mode=M threads=T
// Exit status 2 on bad arguments, 1 when DuckDB fails.

import { DuckDBInstance, version } from '@duckdb/node-api';
import { existsSync, rmSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function usage(msg) {
  if (msg) process.stderr.write(`duckdb_load: ${msg}\n`);
  process.stderr.write('usage: node bench/duckdb_load.mjs [--mode explicit|auto] JSONL DBFILE THREADS\n');
  process.exit(2);
}

const args = process.argv.slice(2);
let mode = 'explicit';
while (args.length && args[0].startsWith('--')) {
  const opt = args.shift();
  if (opt === '--mode') {
    mode = args.shift();
    if (mode !== 'explicit' && mode !== 'auto') usage(`unknown mode '${mode}'`);
  } else if (opt === '--help' || opt === '-h') {
    usage();
  } else {
    usage(`unknown option '${opt}'`);
  }
}
if (args.length !== 3) usage();
const [jsonl, dbPath, threadsArg] = args;
const threads = Number(threadsArg);
if (!Number.isInteger(threads) || threads < 1) usage(`THREADS must be a positive integer, not '${threadsArg}'`);
if (!existsSync(jsonl)) usage(`${jsonl}: no such file`);

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
// The input decides the reader: a folder of text files (one story a file,
// as `wirescan ingest DIR` reads them) goes through read_blob over every
// .txt file below it (raw bytes: read_text refuses the non-UTF-8 file that
// real archives contain, which wirescan reads as Windows-1252); a .csv file through read_csv with a header, every column
// text; anything else is JSONL as above.
const isDir = statSync(jsonl).isDirectory();
const isCsv = !isDir && /\.(csv|tsv)$/i.test(jsonl);
const source = isDir
  ? `read_blob(${sqlString(jsonl.replace(/\/$/, '') + '/**/*.txt')})`
  : isCsv
  ? `read_csv(${sqlString(jsonl)}, header=true, all_varchar=true)`
  : mode === 'explicit'
  ? `read_json(${sqlString(jsonl)}, format='newline_delimited', ` +
    `columns={id: 'VARCHAR', date: 'VARCHAR', source: 'VARCHAR', title: 'VARCHAR', body: 'VARCHAR'})`
  : `read_json_auto(${sqlString(jsonl)}, format='newline_delimited')`;

// A fresh database every time (not timed).
for (const p of [dbPath, `${dbPath}.wal`]) rmSync(p, { force: true });

let instance;
let conn;
try {
  const t0 = performance.now();
  instance = await DuckDBInstance.create(dbPath);
  conn = await instance.connect();
  await conn.run(`SET threads=${threads}`);
  const created = await conn.run(`CREATE TABLE t AS SELECT * FROM ${source}`);
  await conn.run('CHECKPOINT');
  const t1 = performance.now();
  // Row count: not timed (a metadata lookup, but keep it out all the same).
  let rows = Number(created.rowsChanged);
  if (!Number.isFinite(rows) || rows <= 0) {
    const r = await conn.runAndReadAll('SELECT count(*) FROM t');
    rows = Number(r.getRows()[0][0]);
  }
  const t2 = performance.now();
  conn.closeSync();
  instance.closeSync();
  conn = instance = undefined;
  const t3 = performance.now();
  const elapsed = (t1 - t0 + (t3 - t2)) / 1000;
  let dbBytes = 0;
  for (const p of [dbPath, `${dbPath}.wal`]) if (existsSync(p)) dbBytes += statSync(p).size;
  process.stdout.write(
    `elapsed_s=${elapsed.toFixed(4)} rows=${rows} db_bytes=${dbBytes} ` +
    `duckdb=${version()} mode=${mode} threads=${threads}\n`);
} catch (e) {
  process.stderr.write(`duckdb_load: ${jsonl}: ${e && e.message ? e.message : e}\n`);
  try { conn?.closeSync(); instance?.closeSync(); } catch { /* already failing */ }
  process.exit(1);
}
