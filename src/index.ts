export * from './config/types';
export * from './llama-stack/props';
export { LlamaStack } from './llama-stack/llama-stack';
export { DistributionManifest } from './llama-stack/interop';
