export * from './props';
export { ModelRegistry } from './model-registry';
export { ModelRegistryEntry } from './model-registry-entry';
