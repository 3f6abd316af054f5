/**
 * Fuzzing ModelRegistry and ModelRegistryEntry (issue 13 §7): a valid prop set with hostile values put
 * anywhere; see test/support/fuzz.ts for the values and the checks.
 */
import { Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { ModelRegistry, ModelRegistryEntry, VllmModel } from '../../src';
import { checkOutput, fuzzParameters, mutate, mutations, runApp, secretRef, Tally, YamlBatch } from '../support/fuzz';

export const registryProps = {
  database: { connectionString: secretRef('db'), host: 'pg.db.svc.cluster.local', port: 5432 },
  healthCheck: { schedule: '*/5 * * * *', timeZone: 'Europe/Berlin', timeoutSeconds: 10, activeDeadlineSeconds: 120 },
  environments: ['dev', 'prod'],
  reconcile: { enabled: true, deleteUndeclared: false },
  jobs: {
    backoffLimit: 2,
    ttlSecondsAfterFinished: 3600,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    podLabels: { team: 'ml' },
    podAnnotations: { 'example.com/owner': 'ml' },
    imagePullSecrets: ['regcred'],
  },
};

export const entryProps = {
  modelName: 'gpt-x',
  endpoint: 'https://api.example.com/v1',
  environment: 'prod',
  namespace: 'external',
  status: 'ready',
  backend: 'openai',
  modelId: 'gpt-x-2025',
  healthPath: '/health',
  healthCheck: true,
  waitTimeoutSeconds: 2400,
  healthCheckApiKey: secretRef('hc'),
  metadata: { owner: 'ml', note: 'external model' },
  allowInternetEgress: true,
};

describe('ModelRegistry', () => {
  const batch = new YamlBatch();
  const tally = new Tally();

  test('hostile props: only ValidationErrors naming the registry; output read alike by PyYAML and js-yaml; Secrets only as secretKeyRef', () => {
    fc.assert(fc.property(mutations, (ms) => {
      const outcome = runApp((app) => {
        new ModelRegistry(new Chart(app, 'c', { namespace: 'llm' }), 'registry', mutate(registryProps, ms) as any);
      }, ['c/registry']);
      tally.count(outcome);
      if (outcome.kind === 'synthesized') checkOutput(outcome, batch, 'c/registry');
    }), fuzzParameters());
    batch.check();
    tally.expectBoth('ModelRegistry', 0.1, batch);
  });
});

describe('ModelRegistryEntry', () => {
  const batch = new YamlBatch();
  const tally = new Tally();

  test('hostile props, by endpoint or holding a VllmModel: only ValidationErrors naming the entry (or the registry)', () => {
    fc.assert(fc.property(mutations, fc.boolean(), (ms, withModel) => {
      const outcome = runApp((app) => {
        const chart = new Chart(app, 'c', { namespace: 'llm' });
        const registry = new ModelRegistry(chart, 'registry', registryProps as any);
        let props: any = entryProps;
        if (withModel) {
          const { modelName, endpoint, namespace, allowInternetEgress, environment, ...rest } = entryProps;
          props = { ...rest, model: new VllmModel(chart, 'model', { model: 'meta-llama/Llama-3.1-8B-Instruct', environment: 'prod', apiKey: secretRef('vllm') }) };
        }
        const mutated = mutate(props, ms);
        // The registry is given as it is, unless the mutation replaced or removed the whole props.
        try {
          if (mutated && typeof mutated === 'object' && !('registry' in mutated)) Object.defineProperty(mutated, 'registry', { value: registry, enumerable: true, configurable: true, writable: true });
        } catch { /* unreadable or frozen props */ }
        new ModelRegistryEntry(chart, 'entry', mutated);
      }, ['c/entry', 'c/registry', 'c/model']);
      tally.count(outcome);
      if (outcome.kind === 'synthesized') checkOutput(outcome, batch, 'c/entry');
    }), fuzzParameters());
    batch.check();
    tally.expectBoth('ModelRegistryEntry', 0.1, batch);
  });
});
