import { App, Chart } from 'cdk8s';
import { LlamaStack } from '../../src';

/**
 * A production stack: HTTPS with a cert-manager (or any) TLS Secret, a corporate CA for outbound calls,
 * an Ingress with TLS, autoscaling 2-6 pods with a disruption budget, PostgreSQL state, vector stores in
 * pgvector (the starter's in-pod faiss and sqlite-vec are disabled) and a small PVC for files
 * (ReadWriteMany, since several pods share it).
 */
export function production(app: App): Chart {
  const chart = new Chart(app, 'production', { namespace: 'llm-prod' });
  new LlamaStack(chart, 'assistant', {
    distribution: { name: 'starter' },
    providers: {
      inference: [{ provider: 'vllm', endpoint: 'https://llama-70b.models.svc:8443/v1', apiKey: { name: 'vllm-creds', key: 'token' } }],
      vectorIo: [{
        id: 'rag',
        provider: 'pgvector',
        endpoint: 'postgresql://pg.db.svc:5432',
        settings: { db: 'llama', user: 'llama' },
        secretRefs: { password: { name: 'pg', key: 'password' } },
      }],
    },
    disabled: ['vectorIo/faiss', 'vectorIo/sqlite-vec'],
    resources: { models: [{ name: 'llama-3.3-70b', providerModelId: 'meta-llama/Llama-3.3-70B-Instruct', contextLength: 131072 }] },
    storage: {
      kv: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: { name: 'pg', key: 'password' } },
      sql: { type: 'postgres', connectionString: 'postgresql://llama@pg.db.svc:5432/llama', password: { name: 'pg', key: 'password' } },
    },
    networking: {
      tls: { enabled: true, secretName: 'assistant-tls', caBundle: { configMapName: 'corporate-ca', keys: ['root.crt', 'issuing.crt'] } },
      expose: { hostname: 'assistant.example.com', ingressClassName: 'nginx', tlsSecretName: 'assistant-public-tls' },
      allowedFrom: { namespaces: ['web'] },
    },
    workload: {
      workers: 2,
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '4', memory: '8Gi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpu: 75 },
      podDisruptionBudget: { minAvailable: 1 },
      storage: { size: '20Gi', accessMode: 'ReadWriteMany', storageClassName: 'nfs' },
      overrides: { podAnnotations: { 'prometheus.io/scrape': 'false' }, terminationGracePeriodSeconds: 60 },
    },
  });
  return chart;
}
