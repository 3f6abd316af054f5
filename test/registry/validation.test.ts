/** Validation of ModelRegistry and ModelRegistryEntry props: every problem, with its path and a fix. */
import { Chart, Testing } from 'cdk8s';
import { FakeModel } from './support';
import { ModelRegistry, ModelRegistryEntry, ModelRegistryEntryProps, ModelRegistryProps } from '../../src';
import { IssueCollector, ValidationError } from '../../src/core/errors';
import { checkEndpoint, checkSchedule, planEntry, planRegistry } from '../../src/registry/validation';

const database = { connectionString: { name: 'registry-db', key: 'url' }, host: 'pg.db.svc' };

function registryErrors(props: any): string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  try {
    new ModelRegistry(chart, 'registry', props as ModelRegistryProps);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect(Testing.synth(chart)).toEqual([]); // nothing emitted
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ValidationError');
}

function entryErrors(props: any, registryProps: Partial<ModelRegistryProps> = {}): string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
  const registry = new ModelRegistry(chart, 'registry', { database, ...registryProps });
  const before = Testing.synth(chart).length;
  try {
    new ModelRegistryEntry(chart, 'entry', { registry, ...props } as ModelRegistryEntryProps);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^(c\/entry |\d+ problems found:\n {2}c\/entry )/);
    expect(Testing.synth(chart).length).toBe(before); // the entry emitted nothing
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a ValidationError');
}

const explicit = { modelName: 'm', endpoint: 'http://m.models.svc:8000', environment: 'production' };

describe('ModelRegistry props', () => {
  test('wrong types and unknown keys are reported before anything else', () => {
    expect(registryErrors({ database, healthCheck: { schedul: '* * * * *' }, environments: 'prod' })).toEqual([
      'healthCheck.schedul: unknown field \'schedul\'',
      'environments: expected a list, got \'prod\'',
    ]);
    expect(registryErrors(undefined)).toEqual([': props are required']);
  });

  test('the database needs a Secret reference and exactly one location', () => {
    expect(registryErrors({})).toEqual(['database: database is required']);
    expect(registryErrors({ database: { host: 'pg.db.svc' } })).toEqual(['database.connectionString: connectionString is required']);
    expect(registryErrors({ database: { connectionString: { name: 'Bad_Name', key: 'a/b' }, host: 'pg.db.svc' } })).toEqual([
      'database.connectionString.name: \'Bad_Name\' is not a valid Secret name',
      'database.connectionString.key: \'a/b\' is not a valid Secret key',
    ]);
    expect(registryErrors({ database: { connectionString: database.connectionString } })).toEqual(['database: the database location is missing']);
    expect(registryErrors({ database: { ...database, cidr: '10.0.0.0/8' } })).toEqual(['database: give only one of host, cidr']);
    expect(registryErrors({ database: { connectionString: database.connectionString, host: 'db.example.com' } })).toEqual([
      'database.host: \'db.example.com\' is outside the cluster, and a NetworkPolicy cannot name a host by DNS name',
    ]);
    expect(registryErrors({ database: { connectionString: database.connectionString, cidr: '10.0.0.300/8' } })).toEqual(['database.cidr: \'10.0.0.300/8\' is not a CIDR block']);
    expect(registryErrors({ database: { ...database, port: 70000 } })).toEqual(['database.port: port must be an integer from 1 to 65535, got 70000']);
    expect(registryErrors({ database: { ...database, namespace: 'db' } })).toEqual(['database.namespace: namespace only applies to podSelectorLabels']);
    expect(registryErrors({ database: { connectionString: database.connectionString, podSelectorLabels: {} } })).toEqual([
      'database.podSelectorLabels: an empty selector would allow every pod',
    ]);
  });

  test('name, environments, image, health check and job settings are all checked, together', () => {
    expect(registryErrors({
      database,
      name: 'a-very-long-registry-name-that-does-not-fit-at-all',
      environments: ['prod', 'Prod', 'prod'],
      image: 'postgres:latest',
      healthCheck: { schedule: '*/0 61 * * *', timeZone: 'Mars/Olympus', timeoutSeconds: 0, activeDeadlineSeconds: 5 },
      jobs: { backoffLimit: -1, ttlSecondsAfterFinished: 1.5, resources: { requests: { memory: '1Gi' }, limits: { cpu: 'lots' } }, imagePullSecrets: ['UPPER'] },
    })).toEqual([
      'name: \'a-very-long-registry-name-that-does-not-fit-at-all\' is 50 characters; at most 40 are allowed',
      'environments[1]: \'Prod\' is not a valid environment name',
      'environments[2]: \'prod\' is listed twice',
      'image: image \'postgres:latest\' uses the tag \'latest\'',
      'healthCheck.schedule: \'*/0 61 * * *\' is not a valid schedule: the minute step in \'*/0\' is 0',
      'healthCheck.timeZone: \'Mars/Olympus\' is not a known time zone',
      'healthCheck.timeoutSeconds: timeoutSeconds must be an integer from 1 to 60, got 0',
      'healthCheck.activeDeadlineSeconds: activeDeadlineSeconds must be an integer from 10 to 86400, got 5',
      'jobs.backoffLimit: backoffLimit must be an integer from 0 to 100, got -1',
      'jobs.ttlSecondsAfterFinished: ttlSecondsAfterFinished must be an integer from 0 to 31536000, got 1.5',
      'jobs.resources.limits.cpu: \'lots\' is not a Kubernetes quantity',
      'jobs.resources.requests.memory: the request 1Gi is above the limit 128Mi',
      'jobs.imagePullSecrets[0]: \'UPPER\' is not a valid Secret name',
    ]);
  });

  test('an id that is not a DNS label needs a name', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'llm' });
    expect(() => new ModelRegistry(chart, 'Registry', { database })).toThrow(/'Registry' is not a valid registry name \(.*set name if the construct id does not fit\)/);
    expect(new ModelRegistry(chart, 'Registry2', { database, name: 'reg' }).name).toBe('reg');
  });
});

describe('ModelRegistryEntry props', () => {
  test('model or modelName + endpoint + environment, not both', () => {
    expect(entryErrors({})).toEqual([
      'modelName: modelName is required without model',
      'endpoint: endpoint is required without model',
      'environment: environment is required without model',
    ]);
    const chart = new Chart(Testing.app(), 'x');
    const model = new FakeModel(chart, 'm');
    expect(entryErrors({ model, modelName: 'other', environment: 'staging' })).toEqual([
      'modelName: modelName follows from model',
      'environment: environment follows from model',
    ]);
    expect(entryErrors({ model: { url: 'http://x' } })).toEqual(['model: model is not a model server']);
    expect(entryErrors({ ...explicit, registry: undefined })).toEqual(['registry: registry is required']);
  });

  test('model names, environments, endpoints, status and the rest', () => {
    expect(entryErrors({
      modelName: 'bad name; --',
      endpoint: 'ftp://x',
      environment: 'prod',
      status: 'degraded',
      backend: 'no spaces',
      healthPath: 'health',
      waitTimeoutSeconds: 1,
      metadata: { 'registry': 'x', 'bad key': 'v' },
      name: 'Entry',
    })).toEqual([
      'name: \'Entry\' is not a valid entry name',
      'modelName: \'bad name; --\' is not a valid model name',
      'environment: \'prod\' is not one of the registry\'s environments (development, staging, production)',
      'endpoint: \'ftp://x\' is not an http or https URL with a host',
      'status: \'degraded\' is not an entry status',
      'backend: \'no spaces\' is not a valid backend name',
      'healthPath: \'health\' is not a valid health path',
      'waitTimeoutSeconds: waitTimeoutSeconds must be an integer from 10 to 86400, got 1',
      'metadata.registry: \'registry\' is set by the library',
      'metadata.bad key: \'bad key\' is not a valid metadata key',
    ]);
  });

  test('a model\'s values are checked too, and the path says they came from the model', () => {
    const chart = new Chart(Testing.app(), 'x');
    const model = new FakeModel(chart, 'm', { name: 'has space', environment: 'qa' });
    expect(entryErrors({ model })).toEqual([
      'model (modelName): \'has space\' is not a valid model name',
      'model (environment): \'qa\' is not one of the registry\'s environments (development, staging, production)',
      'model (endpoint): \'http://has space-qa.models.svc.cluster.local:8000\' is not a usable endpoint URL',
    ]);
    const ok = new Chart(Testing.app(), 'ok', { namespace: 'llm' });
    const registry = new ModelRegistry(ok, 'registry', { database, environments: ['qa'] });
    expect(new ModelRegistryEntry(ok, 'entry', { registry, model: new FakeModel(ok, 'm2', { environment: 'qa' }) }).environment).toBe('qa');
  });

  test('endpoints outside the cluster need allowInternetEgress (or healthCheck: false)', () => {
    expect(entryErrors({ ...explicit, endpoint: 'https://api.example.com' })).toEqual([
      'endpoint: \'api.example.com\' is outside the cluster, and egress there is blocked by the Jobs\' NetworkPolicy',
    ]);
    expect(entryErrors({ ...explicit, endpoint: 'http://8.8.8.8' })).toEqual([
      'endpoint: \'8.8.8.8\' is outside the cluster, and egress there is blocked by the Jobs\' NetworkPolicy',
    ]);
  });

  test('endpoint URLs: no credentials, query, fragment, whitespace; passwords are not echoed', () => {
    const check = (url: unknown) => {
      const issues = new IssueCollector();
      checkEndpoint(issues, url, 'endpoint');
      return issues.issues.map((i) => i.message);
    };
    expect(check('http://user:s3cret@m.svc:8000')).toEqual(['the endpoint URL contains credentials']);
    expect(check('http://m.svc:8000/?a=1')).toEqual(['\'http://m.svc:8000/?a=1\' has a query or fragment']);
    expect(check('http://m.svc:8000/#x')).toEqual(['\'http://m.svc:8000/#x\' has a query or fragment']);
    expect(check('http://m.svc:8000/a b')).toEqual(['\'http://m.svc:8000/a b\' is not a usable endpoint URL']);
    expect(check('http://m.svc\n:8000')).toEqual(['\'http://m.svc\n:8000\' is not a usable endpoint URL']);
    expect(check('http:/m.svc')).toEqual(['\'http:/m.svc\' is not an http or https URL with a host']);
    expect(check('https://m.svc:8443/prefix')).toEqual([]);
    expect(check('http://u:p4ss@bad url').join()).not.toMatch(/p4ss/);
  });

  test('planEntry normalises: trailing slash dropped, defaults, sorted metadata JSON', () => {
    const issues = new IssueCollector();
    const plan = planEntry(issues, { registry: undefined as any, modelName: 'a/b:c', endpoint: 'http://a.b.svc:80/x/', environment: 'staging', metadata: { z: '1', a: '2' } }, {
      id: 'e', registryName: 'r', environments: ['staging'], namespace: 'llm',
    });
    expect(issues.issues).toEqual([]);
    expect(plan).toMatchObject({
      name: 'e',
      endpoint: 'http://a.b.svc:80/x',
      namespace: 'b',
      status: 'ready',
      backend: 'openai-compatible',
      modelId: 'a/b:c',
      healthUrl: 'http://a.b.svc:80/x/health',
      timing: { waitSeconds: 1800, deadlineSeconds: 2400 },
      metadataJson: '{"a":"2","health_path":"/health","managed_by":"cdk8s-llama-stack","registry":"r","z":"1"}',
    });
  });
});

test('planRegistry defaults', () => {
  const issues = new IssueCollector();
  const plan = planRegistry(issues, { database }, 'registry', 'llm');
  expect(issues.issues).toEqual([]);
  expect(plan).toMatchObject({
    name: 'registry',
    environments: ['development', 'staging', 'production'],
    image: 'docker.io/library/postgres:18.4-alpine3.23',
    healthCheck: undefined,
    backoffLimit: 6,
    ttlSecondsAfterFinished: 86400,
    pod: {},
    database: { secretName: 'registry-db', secretKey: 'url', destination: { port: 5432, peer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } } } },
  });
});

test.each([
  ['*/2 * * * *', undefined],
  ['0 */6 * * 1-5', undefined],
  ['15,45 9-17 ? JAN-DEC MON-FRI', undefined],
  ['@hourly', undefined],
  ['@every 1h30m', undefined],
  ['@every', 'expected 5 fields, got 1'],
  ['* * * *', 'expected 5 fields, got 4'],
  ['60 * * * *', 'the minute field \'60\' is out of range 0-59'],
  ['* 24 * * *', 'the hour field \'24\' is out of range 0-23'],
  ['* * 0 * *', 'the day of month field \'0\' is out of range 1-31'],
  ['* * * 13 *', 'the month field \'13\' is out of range 1-12'],
  ['* * * * 8', 'the day of week field \'8\' is out of range 0-7'],
  ['5-1 * * * *', 'the minute range \'5-1\' is reversed'],
  ['? * * * *', 'the minute field \'?\' is malformed'],
  ['* * * FOO *', 'the month field \'FOO\' is out of range 1-12'],
  ['TZ=UTC * * * * *', 'time zones go in healthCheck.timeZone, not in the schedule'],
])('schedule %p', (schedule, problem) => {
  expect(checkSchedule(schedule)).toBe(problem);
});
