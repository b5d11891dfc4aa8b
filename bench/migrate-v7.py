#!/usr/bin/env python3
"""Times the V7 migration (tenant in the identity) on a generated V6 database.

  bench/migrate-v7.py [SPANS] [DIR]     (default 1000000 spans, a temporary directory)

Applies V1-V6 from schemas/src/main/resources/db/migration to a new SQLite file, inserts SPANS spans (traces of
ten spans, five tenants, ~500-byte attributes), then runs V7 in one transaction as Flyway does at start and prints its
time and the file size before and after. Uses Python's own SQLite, not the JVM's driver: a measure of the script's
cost, not of the service.
"""
import glob, json, os, random, sqlite3, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
migrations = os.path.join(here, '..', 'schemas', 'src', 'main', 'resources', 'db', 'migration')
spans = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
folder = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix='migrate-v7-')
path = os.path.join(folder, 'v6.db')
db = sqlite3.connect(path, isolation_level=None)
db.execute('PRAGMA journal_mode=WAL')
db.execute('PRAGMA synchronous=NORMAL')
for f in sorted(glob.glob(os.path.join(migrations, 'V[1-6]__*.sql'))):
    db.executescript(open(f).read())
per = 10
db.execute('BEGIN')
for t in range(spans // per):
    trace = '%032x' % random.getrandbits(128)
    tenant = 'tenant-%d' % (t % 5)
    for i in range(per):
        attrs = json.dumps({'service.name': 'svc-%d' % (i % 4), 'ticket_id': 'T-%d' % t, 'tokens': 1234, 'prompt': 'x' * 200})
        db.execute('INSERT INTO agent_traces (id, tenant_id, ticket_id, agent_id, trace_id, parent_span_id, span_name,'
                   ' span_kind, status, start_time, end_time, duration_ms, attributes, events)'
                   ' VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                   ('%016x' % i, tenant, 'T-%d' % t, 'agent-1', trace, None if i == 0 else '%016x' % 0, 'span.%d' % i,
                    'internal', 'ok', '2026-01-01T00:00:%02d.%03dZ' % (t % 60, i),
                    '2026-01-01T00:00:%02d.%03dZ' % (t % 60, i + 5), 5, attrs, '[]'))
    db.execute("INSERT INTO trace_summaries (trace_id, tenant_id, start_time, span_count, complete, verdict)"
               " VALUES (?, ?, '2026-01-01T00:00:00.000Z', ?, 1, 'complete')", (trace, tenant, per))
    db.execute("INSERT INTO trace_services VALUES ('svc-0', '2026-01-01T00:00:00.000Z', ?)", (trace,))
    if t % 5000 == 4999:
        db.execute('COMMIT')
        db.execute('BEGIN')
db.execute('COMMIT')
db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
before = os.path.getsize(path)
sql = open(os.path.join(migrations, 'V7__tenant_in_identity.sql')).read()
started = time.time()
db.execute('BEGIN IMMEDIATE')
for statement in sql.split(';\n'):
    code = '\n'.join(l for l in statement.splitlines() if not l.strip().startswith('--')).strip()
    if code:
        db.execute(code)
db.execute('COMMIT')
elapsed = time.time() - started
db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
print('SQLite %s: V7 on %d spans took %.1f s; file %d MB before, %d MB after (the old tables\' pages now free)'
      % (sqlite3.sqlite_version, db.execute('SELECT count(*) FROM agent_traces').fetchone()[0], elapsed,
         before // 1_000_000, os.path.getsize(path) // 1_000_000))
