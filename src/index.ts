export * from './config/types';
export * from './llama-stack/props';
export { LlamaStack } from './llama-stack/llama-stack';
export * from './llama-stack/dashboard';
export * from './llama-stack/inference-provider';
export type { DistributionManifest } from './llama-stack/interop';
export { NetworkPeer } from './core/model-server';
export type { PodSettings } from './core/pod-settings';
export type {
  Affinity,
  ConfigMapKeySelector,
  ConfigMapVolumeSource,
  CsiVolumeSource,
  DownwardApiProjection,
  DownwardApiVolumeFile,
  DownwardApiVolumeSource,
  EmptyDirVolumeSource,
  EnvFromRef,
  EnvFromSource,
  EnvVar,
  EnvVarSource,
  KeyToPath,
  LabelSelector,
  LabelSelectorRequirement,
  LocalObjectReference,
  NodeAffinity,
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  ObjectFieldSelector,
  PersistentVolumeClaimVolumeSource,
  PodAffinity,
  PodAffinityTerm,
  PreferredSchedulingTerm,
  ProjectedObject,
  ProjectedVolumeSource,
  ResourceFieldSelector,
  SecretKeySelector,
  SecretVolumeSource,
  ServiceAccountTokenProjection,
  Toleration,
  TopologySpreadConstraint,
  Volume,
  VolumeMount,
  VolumeProjection,
  WeightedPodAffinityTerm,
} from './core/kube-types';
export type { IModelServer, INetworkPeer, ModelServerAdapter } from './core/model-server';
export { ValidationError } from './core/errors';
export type { ValidationIssue } from './core/errors';
export { ClusterDns } from './core/dns';
export type { CustomDnsOptions } from './core/dns';
export { WarningCode } from './core/warnings';
export type { SynthWarning } from './core/warnings';
export * from './vllm/props';
export { LoraSource } from './vllm/lora-source';
export type { LoraHuggingFaceOptions, VllmLoraAdapter } from './vllm/lora-source';
export * from './vllm/vllm-model';
export * from './vllm/gpu-node-pool';
export * from './external-provider/external-provider';
export * from './registry';
export * from './platform/props';
export * from './platform/model-platform';
export type { PlatformDifference } from './platform/diff';
