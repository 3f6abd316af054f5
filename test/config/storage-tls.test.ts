/**
 * Managed PostgreSQL for stack storage: TLS where Llama Stack 0.7.1's backends honour it, and a CIDR for a
 * database outside the cluster.
 * - core/storage/datatypes.py PostgresKVStoreConfig has ssl_mode and ca_cert_path; kvstore/postgres/postgres.py
 *   passes them to psycopg2.connect as sslmode and sslrootcert.
 * - PostgresSqlStoreConfig has no TLS field: engine_str is postgresql+asyncpg://user:pw@host:port/db and
 *   sqlstore/sqlalchemy_sqlstore.py create_engine passes no ssl in connect_args; asyncpg's connect_utils then
 *   reads PGSSLMODE (and PGSSLROOTCERT for the CA) from the environment when ssl is None.
 */
import { Chart, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { LlamaStack } from '../../src';
import { generateConfig } from '../../src/config/generate';
import { configIssues } from '../support/config';
import { Manifest } from '../support/manifests';

const starter = { name: 'starter' };
const rds = { type: 'postgres', host: 'llama.abc123.eu-west-1.rds.amazonaws.com', user: 'llama', db: 'llama', password: { name: 'pg', key: 'password' } };

const errors = configIssues;

test('kv: ssl_mode and ca_cert_path in the backend; sql: PGSSLMODE and PGSSLROOTCERT in the container', () => {
  const out = generateConfig({
    distribution: starter,
    storage: {
      kv: { ...rds, cidr: '10.40.0.0/16', sslMode: 'verify-full', caCertPath: '/etc/llama-stack-ca/combined/ca-bundle.crt' },
      sql: { ...rds, cidr: '10.40.0.0/16', sslMode: 'require' },
    },
  });
  const backends = (yaml.load(out.yaml!) as any).storage.backends;
  expect(backends.kv_default).toEqual(expect.objectContaining({ type: 'kv_postgres', ssl_mode: 'verify-full', ca_cert_path: '/etc/llama-stack-ca/combined/ca-bundle.crt' }));
  expect(backends.sql_default.ssl_mode).toBeUndefined(); // 0.7.1's sql_postgres has no such key
  expect(out.plainEnv).toEqual([{ name: 'PGSSLMODE', value: 'require', source: 'storage.sql.sslMode' }]);
  expect(out.endpoints.filter((e) => e.cidr)).toEqual([
    { host: rds.host, port: 5432, source: 'storage.kv', cidr: '10.40.0.0/16' },
    { host: rds.host, port: 5432, source: 'storage.sql', cidr: '10.40.0.0/16' },
  ]);
});

test('the stack: env set, egress to the CIDR on 5432; without cidr an outside host is refused as before', () => {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  new LlamaStack(chart, 'stack', { distribution: starter, storage: { sql: { ...rds, cidr: '10.40.0.0/16', sslMode: 'verify-full', caCertPath: '/etc/ssl/rds.pem' } } });
  const objs = Testing.synth(chart) as Manifest[];
  const env = objs.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env;
  expect(env).toEqual(expect.arrayContaining([{ name: 'PGSSLMODE', value: 'verify-full' }, { name: 'PGSSLROOTCERT', value: '/etc/ssl/rds.pem' }]));
  expect(objs.find((o) => o.kind === 'NetworkPolicy')!.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.40.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
  expect(() => new LlamaStack(chart, 'other', { distribution: starter, storage: { sql: rds } })).toThrow(
    "storage.sql: 'llama.abc123.eu-west-1.rds.amazonaws.com' is outside the cluster, and egress there is blocked by the stack's NetworkPolicy",
  );
  expect(() => new LlamaStack(chart, 'third', { distribution: starter, storage: { sql: { ...rds, cidr: '10.40.0.0/16', sslMode: 'require' } }, env: { PGSSLMODE: 'disable' } })).toThrow(
    'env.PGSSLMODE: PGSSLMODE is set from storage.sql.sslMode (remove it from env, secretEnv or workload.overrides.env and keep storage.sql.sslMode)',
  );
});

test('bad values are errors with their paths', () => {
  expect(errors({ distribution: starter, storage: { kv: { ...rds, cidr: '10.0.0.0/33', sslMode: 'on', caCertPath: 'ca.pem' }, sql: { type: 'sqlite', sslMode: 'require' } } })).toEqual([
    "storage.kv.sslMode: 'on' is not an sslmode",
    "storage.kv.cidr: '10.0.0.0/33' is not a CIDR block",
    'storage.sql.sslMode: sslMode is not used by sqlite',
  ]);
  expect(errors({ distribution: starter, storage: { kv: { ...rds, cidr: '::/0', caCertPath: '/x.pem', sslMode: 'disable' } } })).toEqual([
    'storage.kv.caCertPath: caCertPath has no effect with sslMode disable',
  ]);
});
