/**
 * KEDA's ScaledObject (keda.sh/v1alpha1) as a typed cdk8s ApiObject: the fields this library sets, spelled as
 * in the CRD (KEDA 2.10 and later). Hand-written: `cdk8s import` needs the CRD's YAML, which is not shipped
 * here; the tests validate every emitted object against the CRD's schema (@kubernetes-models/keda).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../core/k8s';

/** One HPA scaling policy (autoscaling/v2 HPAScalingPolicy). */
export interface HpaScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

/** One direction of HPA behaviour (autoscaling/v2 HPAScalingRules). */
export interface HpaScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: HpaScalingPolicy[];
}

/** A KEDA Prometheus trigger. `metadata` values are strings, as KEDA reads them. */
export interface PrometheusTrigger {
  readonly type: 'prometheus';
  readonly name: string;
  readonly metricType: 'AverageValue' | 'Value';
  readonly metadata: {
    readonly serverAddress: string;
    readonly query: string;
    readonly threshold: string;
    readonly activationThreshold: string;
    readonly ignoreNullValues: 'true' | 'false';
  };
}

export interface ScaledObjectSpec {
  readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  readonly pollingInterval: number;
  /** Seconds after the last active trigger before scaling to zero (only used when minReplicaCount is 0). */
  readonly cooldownPeriod?: number;
  readonly advanced: {
    readonly horizontalPodAutoscalerConfig: {
      readonly behavior: { readonly scaleUp: HpaScalingRules; readonly scaleDown: HpaScalingRules };
    };
  };
  readonly triggers: PrometheusTrigger[];
}

export interface ScaledObjectProps {
  readonly metadata: k8s.ObjectMeta;
  readonly spec: ScaledObjectSpec;
}

/** keda.sh/v1alpha1 ScaledObject. */
export class KedaScaledObject extends ApiObject {
  public static readonly GVK = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject' } as const;

  constructor(scope: Construct, id: string, props: ScaledObjectProps) {
    super(scope, id, { ...KedaScaledObject.GVK, metadata: props.metadata, spec: props.spec });
  }
}
