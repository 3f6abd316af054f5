export * from './config/types';
export * from './llama-stack/props';
export { LlamaStack } from './llama-stack/llama-stack';
export type { DistributionManifest } from './llama-stack/interop';
export * from './core/model-server';
