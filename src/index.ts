export * from './config/types';
export * from './llama-stack/props';
export { LlamaStack } from './llama-stack/llama-stack';
export type { DistributionManifest } from './llama-stack/interop';
export * from './core/model-server';
export * from './vllm/props';
export * from './vllm/vllm-model';
export * from './vllm/gpu-node-pool';
