/**
 * The LeaderWorkerSet (leaderworkerset.x-k8s.io/v1, kubernetes-sigs/lws) as a typed cdk8s ApiObject: the fields
 * this library sets, spelled as in the CRD (LWS v0.10.0). Hand-written like keda.ts; the tests validate every
 * emitted object against the CRD's OpenAPI schema (test/fixtures/lws).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../core/k8s';

export interface LeaderWorkerSetSpec {
  /** Groups (one leader and `size - 1` workers each). */
  readonly replicas: number;
  readonly leaderWorkerTemplate: {
    /** Pods per group, the leader included. */
    readonly size: number;
    /** A failed pod or restarted container recreates its whole group: a group cannot run with a member missing. */
    readonly restartPolicy: 'RecreateGroupOnPodRestart';
    readonly leaderTemplate: k8s.PodTemplateSpec;
    readonly workerTemplate: k8s.PodTemplateSpec;
  };
  readonly rolloutStrategy: {
    readonly type: 'RollingUpdate';
    /** Groups, not pods: `maxSurge` whole groups above `replicas`, `maxUnavailable` groups down at once. */
    readonly rollingUpdateConfiguration: { readonly maxSurge: number; readonly maxUnavailable: number; readonly partition: number };
  };
  /** Workers start with the leader, so every node downloads and loads its share at the same time. */
  readonly startupPolicy: 'LeaderCreated';
  /** One headless Service (named after the LeaderWorkerSet) for every group: `LWS_LEADER_ADDRESS` resolves through it. */
  readonly networkConfig: { readonly subdomainPolicy: 'Shared' };
}

export interface LeaderWorkerSetProps {
  readonly metadata: k8s.ObjectMeta;
  readonly spec: LeaderWorkerSetSpec;
}

/** leaderworkerset.x-k8s.io/v1 LeaderWorkerSet. */
export class LeaderWorkerSet extends ApiObject {
  public static readonly GVK = { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet' } as const;

  constructor(scope: Construct, id: string, props: LeaderWorkerSetProps) {
    const t = props.spec.leaderWorkerTemplate;
    super(scope, id, {
      ...LeaderWorkerSet.GVK,
      metadata: props.metadata,
      spec: {
        ...props.spec,
        leaderWorkerTemplate: {
          ...t,
          // The pod templates hold quantities and int-or-strings, which only the k8s bindings turn into JSON.
          leaderTemplate: k8s.toJson_PodTemplateSpec(t.leaderTemplate),
          workerTemplate: k8s.toJson_PodTemplateSpec(t.workerTemplate),
        },
      },
    });
  }
}
