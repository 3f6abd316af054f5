import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { ExternalProvider, LlamaStack } from '../../src';

/**
 * Providers packaged as images, added to the stock `starter` distribution at deploy time: Acme's inference
 * provider declared from its lls-provider-spec.yaml (its config entry is in the generated ConfigMap), and a
 * guardrail provider whose metadata is read from its image when the pod starts.
 */
export function externalProviders(app: App): Chart {
  const chart = new Chart(app, 'external-providers', { namespace: 'assistants' });
  new LlamaStack(chart, 'assistant', {
    distribution: { name: 'starter' },
    externalProviders: {
      inference: [
        ExternalProvider.fromSpecFile(path.join(__dirname, '..', 'provider-image', 'lls-provider-spec.yaml'), {
          id: 'acme-llm',
          image: 'quay.io/acme/acme-llm-provider:1.2.0',
          config: { base_url: 'http://acme-gateway.models.svc.cluster.local:8080/v1', timeout_seconds: 120 },
          secretRefs: { api_key: { name: 'acme-gateway', key: 'api-key' } },
        }),
      ],
      safety: [
        ExternalProvider.fromImage({
          id: 'acme-guard',
          image: 'quay.io/acme/acme-guard-provider@sha256:8f1c6e4b8a2d3f5e7c9b1a0d2e4f6a8c0b2d4f6e8a0c2e4b6d8f0a2c4e6b8d0f',
          config: { endpoint: 'http://acme-guard.models.svc.cluster.local:9000', mode: 'strict' },
        }),
      ],
      volumeSizeLimit: '4Gi',
    },
    resources: { models: [{ name: 'acme-7b', provider: 'acme-llm', providerModelId: 'acme/acme-7b-instruct', contextLength: 32768 }] },
    networking: { allowedFrom: { namespaces: ['web'] } },
  });
  return chart;
}
