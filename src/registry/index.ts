export * from './props';
export { ModelRegistry } from './model-registry';
export { ModelRegistryEntry } from './model-registry-entry';
export { ModelRouter } from './router';
export type { IRegistryQueryClient, ModelRoute } from './router';
