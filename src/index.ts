export * from './config/spec';
export * from './llama-stack/props';
export { LlamaStack } from './llama-stack/llama-stack';
