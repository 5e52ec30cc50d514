#!/usr/bin/env node
// DuckDB peer for bench/run.sh: the same questions wirescan answers, asked of
// DuckDB over its own table; a benchmark, not a test.
//
// Usage:
//   node bench/duckdb_peers.mjs load JSONL DBFILE THREADS
//       create DBFILE (removed first) with t(id, date, title, body) from the
//       JSONL (read_json with a fixed schema), CHECKPOINT, close.
//   node bench/duckdb_peers.mjs tf DBFILE THREADS OUT.csv
//       term,count over every story (title and body)
//   node bench/duckdb_peers.mjs cooc DBFILE THREADS TERM OUT.csv
//       term,cooc: for every other term, the number of stories that contain
//       both it and TERM (document contexts): distinct (story, term) pairs
//       joined on the stories containing TERM
//   node bench/duckdb_peers.mjs trends DBFILE THREADS TOPICS OUT.csv
//       bucket,topic,docs: stories per month (the first 7 characters of the
//       ISO date, which the generator writes in UTC) containing any of a
//       topic's terms, by list_has_any over the story's token list. TOPICS is
//       a file of lines `name: term term ...`.
//
// Tokens: regexp_split_to_array(lower(title || ' ' || body), SPLIT) with
// SPLIT = '[^\p{L}\p{M}\p{Nd}]+', i.e. wirescan's definition (runs of
// letters, marks and decimal digits). The ASCII split '[^a-z0-9]+' used by
// bench/tf_bench.sh cuts the generator's accented words into fragments
// ('wítynd' -> 'w', 'tynd'), which then add to other terms' counts (on 20k
// generated stories 'de', rank 49, differs by 15), so the answers would not
// agree. lower() is Unicode lower-casing; wirescan folds case by the full
// Unicode rules: the same on the generator's Latin and Cyrillic letters.
//
// Every command opens the database (read-only except load), SETs threads,
// runs its query, reads every row of the result, closes; that span is
// printed as elapsed_s (run.sh also times the whole node process). Writing
// OUT.csv (sorted, for the agreement checks) happens after and is not timed.
// Prints one line on stdout: elapsed_s=S rows=N duckdb=VERSION threads=T
// Exit status 2 on bad arguments, 1 when DuckDB fails.

import { DuckDBInstance, version } from '@duckdb/node-api';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const SPLIT = String.raw`[^\p{L}\p{M}\p{Nd}]+`;
const sql = (s) => `'${s.replaceAll("'", "''")}'`;
const TOKENS = `regexp_split_to_array(lower(title || ' ' || body), ${sql(SPLIT)})`;

function usage(msg) {
  if (msg) process.stderr.write(`duckdb_peers: ${msg}\n`);
  process.stderr.write('usage: node bench/duckdb_peers.mjs load JSONL DBFILE THREADS\n' +
                       '       node bench/duckdb_peers.mjs tf DBFILE THREADS OUT.csv\n' +
                       '       node bench/duckdb_peers.mjs cooc DBFILE THREADS TERM OUT.csv\n' +
                       '       node bench/duckdb_peers.mjs trends DBFILE THREADS TOPICS OUT.csv\n');
  process.exit(2);
}

function threadsOf(s) {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) usage(`THREADS must be a positive integer, not '${s}'`);
  return n;
}

// Topics file: `name: term term ...`; blank lines and '#' comments skipped.
function readTopics(path) {
  const topics = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const m = /^([^:]+):(.*)$/.exec(line);
    if (!m) usage(`${path}: not 'name: term term ...': ${line}`);
    const terms = m[2].trim().split(/\s+/).filter(Boolean).map((w) => w.toLowerCase());
    if (!terms.length) usage(`${path}: topic ${m[1].trim()} has no terms`);
    topics.push({ name: m[1].trim(), terms });
  }
  if (!topics.length) usage(`${path}: no topics`);
  return topics;
}

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const csvField = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

const [cmd, ...args] = process.argv.slice(2);
let instance;
let conn;
try {
  let db;
  let threads;
  let query;
  let out;
  let shape; // turns result rows into sorted CSV lines
  if (cmd === 'load') {
    if (args.length !== 3) usage();
    const [jsonl, dbPath, th] = args;
    threads = threadsOf(th);
    if (!existsSync(jsonl)) usage(`${jsonl}: no such file`);
    for (const p of [dbPath, `${dbPath}.wal`]) rmSync(p, { force: true });
    db = dbPath;
    query = `CREATE TABLE t AS SELECT id, date, coalesce(title, '') AS title, coalesce(body, '') AS body ` +
            `FROM read_json(${sql(jsonl)}, format='newline_delimited', ` +
            `columns={id: 'VARCHAR', date: 'VARCHAR', title: 'VARCHAR', body: 'VARCHAR'})`;
  } else if (cmd === 'tf') {
    if (args.length !== 3) usage();
    [db, , out] = args;
    threads = threadsOf(args[1]);
    query = `SELECT w, count(*) AS n FROM (SELECT unnest(${TOKENS}) AS w FROM t) WHERE w <> '' GROUP BY w`;
    shape = (rows) => rows.map((r) => [String(r[0]), Number(r[1])])
      .sort((a, b) => (b[1] - a[1]) || cmp(a[0], b[0]))
      .map((r) => `${csvField(r[0])},${r[1]}`);
    shape.header = 'term,count';
  } else if (cmd === 'cooc') {
    if (args.length !== 4) usage();
    [db, , , out] = args;
    threads = threadsOf(args[1]);
    const term = args[2].toLowerCase();
    query = `WITH pairs AS (SELECT DISTINCT s, w FROM (SELECT id AS s, unnest(${TOKENS}) AS w FROM t) WHERE w <> ''), ` +
            `ctx AS (SELECT s FROM pairs WHERE w = ${sql(term)}) ` +
            `SELECT pairs.w, count(*) AS n FROM pairs JOIN ctx ON pairs.s = ctx.s ` +
            `WHERE pairs.w <> ${sql(term)} GROUP BY pairs.w`;
    shape = (rows) => rows.map((r) => [String(r[0]), Number(r[1])])
      .sort((a, b) => (b[1] - a[1]) || cmp(a[0], b[0]))
      .map((r) => `${csvField(r[0])},${r[1]}`);
    shape.header = 'term,cooc';
  } else if (cmd === 'trends') {
    if (args.length !== 4) usage();
    [db, , , out] = args;
    threads = threadsOf(args[1]);
    const topics = readTopics(args[2]);
    // The token list is built once per story (a MATERIALIZED CTE: inlined,
    // DuckDB rebuilds it for every topic's filter, 8 topics 6x slower), each
    // topic is a filtered count over it.
    const cols = topics.map((tp, i) =>
      `count(*) FILTER (WHERE list_has_any(toks, [${tp.terms.map(sql).join(', ')}])) AS c${i}`);
    query = `WITH s AS MATERIALIZED (SELECT date, ${TOKENS} AS toks FROM t) ` +
            `SELECT substr(date, 1, 7) AS m, ${cols.join(', ')} FROM s GROUP BY m`;
    shape = (rows) => {
      const lines = [];
      rows.sort((a, b) => cmp(String(a[0]), String(b[0])));
      for (const r of rows) {
        topics.forEach((tp, i) => {
          const n = Number(r[i + 1]);
          if (n) lines.push(`${r[0]},${csvField(tp.name)},${n}`);
        });
      }
      return lines;
    };
    shape.header = 'bucket,topic,docs';
  } else {
    usage(cmd ? `unknown command '${cmd}'` : undefined);
  }
  if (cmd !== 'load' && !existsSync(db)) usage(`${db}: no such database`);

  const t0 = performance.now();
  instance = await DuckDBInstance.create(db, cmd === 'load' ? {} : { access_mode: 'READ_ONLY' });
  conn = await instance.connect();
  await conn.run(`SET threads=${threads}`);
  let rows;
  let nrows;
  if (cmd === 'load') {
    await conn.run(query);
    await conn.run('CHECKPOINT');
  } else {
    const reader = await conn.runAndReadAll(query);
    rows = reader.getRows();
    nrows = rows.length;
  }
  conn.closeSync();
  instance.closeSync();
  conn = instance = undefined;
  const t1 = performance.now();
  if (cmd === 'load') { // the row count, not timed
    instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
    conn = await instance.connect();
    nrows = Number((await conn.runAndReadAll('SELECT count(*) FROM t')).getRows()[0][0]);
    conn.closeSync();
    instance.closeSync();
    conn = instance = undefined;
  }
  if (shape) writeFileSync(out, [shape.header, ...shape(rows)].join('\n') + '\n');
  process.stdout.write(`elapsed_s=${((t1 - t0) / 1000).toFixed(4)} rows=${nrows} duckdb=${version()} threads=${threads}\n`);
} catch (e) {
  process.stderr.write(`duckdb_peers: ${cmd}: ${e && e.message ? e.message : e}\n`);
  try { conn?.closeSync(); instance?.closeSync(); } catch { /* already failing */ }
  process.exit(1);
}
