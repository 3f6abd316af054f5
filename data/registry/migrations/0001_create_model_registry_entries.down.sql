-- 0001 down: removes the model registry table and every row in it.
DROP TABLE model_registry_entries;
