import { App, Chart } from 'cdk8s';
import { LlamaStack } from '../../src';

/**
 * The README's first example: a Llama Stack server in front of a vLLM model server, with its state in
 * PostgreSQL. Secrets `vllm-creds` and `pg` are expected in the namespace.
 */
export function quickstart(app: App): Chart {
  const chart = new Chart(app, 'quickstart', { namespace: 'llm' });
  new LlamaStack(chart, 'stack', {
    distribution: { name: 'starter' },
    providers: {
      inference: {
        provider: 'vllm',
        endpoint: 'http://llama-8b.models.svc:8000/v1',
        apiKey: { name: 'vllm-creds', key: 'token' },
      },
    },
    resources: { models: ['meta-llama/Llama-3.1-8B-Instruct'] },
    storage: {
      sql: {
        type: 'postgres',
        connectionString: 'postgresql://llama@pg.db.svc:5432/llama',
        password: { name: 'pg', key: 'password' },
      },
    },
  });
  return chart;
}
