import { PROVIDER_APIS } from '../config/providers';
import { CONFIG_SPEC_FIELDS } from '../config/shape';
import { AFFINITY_SHAPE, ENV_VAR_SHAPE, TOLERATION_SHAPE, TOPOLOGY_SPREAD_SHAPE } from '../core/kube-types';
import { toCamelCase } from '../core/names';
import { POD_SETTINGS_SHAPE } from '../core/pod-settings';
import { Shape } from '../core/shape';

const LABELS: Shape = { map: 'string' };
/** Kubernetes objects passed through (checked by the API server's schema and our own rules). */

/** A PodDisruptionBudget count; the string forms of earlier releases ('50%', '1') get what to write instead. */
function podCount(field: string): Shape {
  return {
    shape: 'number',
    hint: (v) => (typeof v === 'string' && /^[0-9]+%$/.test(v) ? `write ${field}Percent: ${v.slice(0, -1)}`
      : typeof v === 'string' && /^[0-9]+$/.test(v) ? `write ${field}: ${v} (a number)` : undefined),
  };
}

/** ExternalProvider instances are checked by the resolver (instanceof); removed APIs get its explanation. */
const EXTERNAL_SECTIONS = [...PROVIDER_APIS.map(toCamelCase), 'agents', 'postTraining', 'telemetry'];

export const LLAMA_STACK_PROPS_SHAPE: Shape = {
  obj: {
    ...CONFIG_SPEC_FIELDS,
    name: 'string',
    strict: 'boolean',
    telemetry: {
      obj: {
        endpoint: 'string',
        protocol: 'string',
        serviceName: 'string',
        exportIntervalSeconds: 'number',
        headers: { obj: { name: 'string', key: 'string' } },
        traces: 'boolean',
        prometheusMetricPrefix: 'string',
        alerts: { obj: { errorRatio: 'number', latencyP95Seconds: 'number', concurrentRequests: 'number' } },
      },
    },
    acknowledgedWarnings: { arr: 'string' },
    externalProviders: {
      obj: {
        ...Object.fromEntries(EXTERNAL_SECTIONS.map((s): [string, Shape] => [s, { arr: 'any' }])),
        volumeSizeLimit: 'string',
        installResources: { obj: { requests: LABELS, limits: LABELS } },
      },
    },
    networking: {
      obj: {
        port: 'number',
        allowedFrom: { obj: { namespaces: { arr: 'string' }, podLabels: LABELS, namespaceLabels: { arr: 'string' } } },
        allowInternetEgress: 'boolean',
        allowLinkLocalEgress: 'boolean',
        dns: 'any',
        tls: { obj: { enabled: 'boolean', secretName: 'string', caBundle: { obj: { configMapName: 'string', keys: { arr: 'string' } } } } },
        expose: {
          shape: {
            obj: {
              enabled: 'boolean',
              hostname: 'string',
              ingressClassName: 'string',
              tlsSecretName: 'string',
              annotations: LABELS,
              controllerNamespace: 'string',
            },
          },
          hint: (v) => (v === true ? 'write expose: {} (an ExposeSpec creates the Ingress unless enabled is false)'
            : v === false ? 'remove expose, or write expose: { enabled: false }' : undefined),
        },
      },
    },
    workload: {
      obj: {
        replicas: 'number',
        workers: 'number',
        resources: { obj: { requests: LABELS, limits: LABELS } },
        autoscaling: { obj: { minReplicas: 'number', maxReplicas: 'number', targetCpu: 'number', targetMemory: 'number' } },
        storage: { obj: { size: 'string', mountPath: 'string', storageClassName: 'string', accessMode: 'string' } },
        podDisruptionBudget: {
          obj: {
            minAvailable: podCount('minAvailable'),
            maxUnavailable: podCount('maxUnavailable'),
            minAvailablePercent: 'number',
            maxUnavailablePercent: 'number',
          },
        },
        topologySpreadConstraints: { arr: TOPOLOGY_SPREAD_SHAPE },
        overrides: {
          obj: {
            ...POD_SETTINGS_SHAPE,
            serviceAccountName: 'string',
            env: { arr: ENV_VAR_SHAPE },
            command: { arr: 'string' },
            args: { arr: 'string' },
            terminationGracePeriodSeconds: 'number',
            nodeSelector: LABELS,
            tolerations: { arr: TOLERATION_SHAPE },
            affinity: AFFINITY_SHAPE,
          },
        },
      },
    },
  },
};
