#!/usr/bin/env node
// Peer comparison for `wirescan kwic`: a concordance by regular expression
// over a DuckDB table (the table bench/duckdb_tf.mjs `load` makes:
// t(id, date, title, body)); a benchmark, not a test.
//
// Usage: node bench/duckdb_kwic.mjs DBFILE THREADS WORD [WORD...]
//   The words form a phrase (one word, or "crude oil"); the query extracts
//   every case-insensitive whole-word match with up to 5 words on each side
//   from title || ' ' || body and reads every row, which is what
//   `wirescan kwic --term opec` / `--phrase 'crude oil'` (window 5) returns.
// Prints: elapsed_s=S rows=N duckdb=VERSION (connect to close, timed here).
import { DuckDBInstance, version } from '@duckdb/node-api';
import { performance } from 'node:perf_hooks';

const [db, th, ...words] = process.argv.slice(2);
if (!db || !th || !words.length) {
  process.stderr.write('usage: node bench/duckdb_kwic.mjs DBFILE THREADS WORD [WORD...]\n');
  process.exit(2);
}
const esc = (w) => w.replace(/[^A-Za-z0-9]/g, (c) => '\\' + c);
const phrase = words.map(esc).join('\\W+');
const re = `(?i)(?:\\w+\\W+){0,5}\\b${phrase}\\b(?:\\W+\\w+){0,5}`;
const q = `SELECT id, unnest(regexp_extract_all(title || ' ' || body, '${re.replace(/'/g, "''")}')) AS line FROM t`;
const t0 = performance.now();
const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
const conn = await instance.connect();
await conn.run(`SET threads=${Number(th)}`);
const reader = await conn.runAndReadAll(q);
const rows = reader.getRows().length;
conn.closeSync();
const s = (performance.now() - t0) / 1000;
process.stdout.write(`elapsed_s=${s.toFixed(3)} rows=${rows} duckdb=${version()}\n`);
