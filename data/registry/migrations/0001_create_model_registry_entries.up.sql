-- 0001: the model registry table. One row per registered model: the name clients ask for, the serving
-- engine (backend) and the model it serves (model_id), free-form metadata, and when the row was made
-- and last changed.
CREATE TABLE model_registry_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  model_name text NOT NULL,
  backend text NOT NULL,
  model_id text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT model_registry_entries_model_name_key UNIQUE (model_name),
  CONSTRAINT model_registry_entries_model_name_check CHECK (char_length(model_name) BETWEEN 1 AND 256),
  CONSTRAINT model_registry_entries_backend_check CHECK (char_length(backend) BETWEEN 1 AND 64),
  CONSTRAINT model_registry_entries_model_id_check CHECK (char_length(model_id) BETWEEN 1 AND 512),
  CONSTRAINT model_registry_entries_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
);

COMMENT ON TABLE model_registry_entries IS 'Models an API router can route to, by model name (managed by cdk8s-llama-stack ModelRegistryEntry Jobs)';
