// Shared parts of the DuckDB peer scripts (duckdb_tf, duckdb_trends,
// duckdb_cooc): argument checks, the untimed load of a JSONL file into
// table t(id, date, title, body), one timed query (connect to close), and
// the command dispatch with its error handling. A benchmark helper, not a test.
import { DuckDBInstance, version } from '@duckdb/node-api';
import { existsSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export { version };

export const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

// usage(name, lines)(msg): print msg and the usage lines, exit 2.
export const usageOf = (name, lines) => (msg) => {
  if (msg) process.stderr.write(`${name}: ${msg}\n`);
  process.stderr.write(lines.map((l, i) => (i ? '       ' : 'usage: ') + l).join('\n') + '\n');
  process.exit(2);
};

export const threadsOf = (s, usage) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) usage(`THREADS must be a positive integer, not '${s}'`);
  return n;
};

// Create DBFILE with table t from the JSONL (a fixed schema), checkpoint;
// prints rows=N duckdb=VERSION.
async function load(jsonl, db, threads, usage) {
  if (!existsSync(jsonl)) usage(`${jsonl}: no such file`);
  for (const p of [db, `${db}.wal`]) rmSync(p, { force: true });
  const instance = await DuckDBInstance.create(db);
  const conn = await instance.connect();
  try {
    await conn.run(`SET threads=${threads}`);
    await conn.run(`CREATE TABLE t AS SELECT id, date, coalesce(title, '') AS title, coalesce(body, '') AS body ` +
                   `FROM read_json(${sqlString(jsonl)}, format='newline_delimited', ` +
                   `columns={id: 'VARCHAR', date: 'VARCHAR', title: 'VARCHAR', body: 'VARCHAR'})`);
    await conn.run('CHECKPOINT');
    const r = await conn.runAndReadAll('SELECT count(*) FROM t');
    process.stdout.write(`rows=${Number(r.getRows()[0][0])} duckdb=${version()}\n`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

// Open db read-only, SET threads, run sql, read every row, close: the
// timed work. Returns { rows, seconds }.
export async function timedQuery(db, threads, sql, usage) {
  if (!existsSync(db)) usage(`${db}: no such database`);
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    await conn.run(`SET threads=${threads}`);
    const rows = (await conn.runAndReadAll(sql)).getRows();
    conn.closeSync();
    instance.closeSync();
    return { rows, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    try { conn.closeSync(); instance.closeSync(); } catch { /* already failing */ }
    throw e;
  }
}

// `load JSONL DBFILE THREADS` or `query DBFILE THREADS ARGS...` (query(db,
// threads, args) does the rest); any DuckDB failure exits 1 with its message.
export async function main(name, usage, query) {
  const [cmd, ...args] = process.argv.slice(2);
  try {
    if (cmd === 'load') {
      if (args.length !== 3) usage();
      await load(args[0], args[1], threadsOf(args[2], usage), usage);
    } else if (cmd === 'query') {
      if (args.length < 2) usage();
      await query(args[0], threadsOf(args[1], usage), args.slice(2));
    } else {
      usage(cmd ? `unknown command '${cmd}'` : undefined);
    }
  } catch (e) {
    process.stderr.write(`${name}: ${e && e.message ? e.message : e}\n`);
    process.exit(1);
  }
}
