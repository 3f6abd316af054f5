-- 0002: where each model is deployed and whether it can take traffic. A model name may now be
-- registered once per environment, and the router's lookup
--   WHERE model_name = $1 AND deployment_environment = $2 AND deployment_status = 'ready'
-- is served by an index.
ALTER TABLE model_registry_entries
  ADD COLUMN deployment_endpoint text,
  ADD COLUMN deployment_status text NOT NULL DEFAULT 'pending',
  -- Rows registered before this migration are taken to be production models.
  ADD COLUMN deployment_environment text NOT NULL DEFAULT 'production',
  ADD COLUMN deployment_namespace text,
  ADD COLUMN last_health_check_at timestamptz;

-- New rows must say where they belong.
ALTER TABLE model_registry_entries ALTER COLUMN deployment_environment DROP DEFAULT;

ALTER TABLE model_registry_entries
  ADD CONSTRAINT model_registry_entries_deployment_status_check
    CHECK (deployment_status IN ('pending', 'ready', 'degraded', 'disabled')),
  ADD CONSTRAINT model_registry_entries_deployment_environment_check
    CHECK (deployment_environment ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  ADD CONSTRAINT model_registry_entries_deployment_namespace_check
    CHECK (deployment_namespace IS NULL OR deployment_namespace ~ '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'),
  ADD CONSTRAINT model_registry_entries_deployment_endpoint_check
    CHECK (deployment_endpoint IS NULL OR (deployment_endpoint ~ '^https?://[^[:space:]/]+' AND char_length(deployment_endpoint) <= 2048)),
  -- A model that may receive traffic needs somewhere to send it.
  ADD CONSTRAINT model_registry_entries_routable_check
    CHECK (deployment_status NOT IN ('ready', 'degraded') OR deployment_endpoint IS NOT NULL);

ALTER TABLE model_registry_entries DROP CONSTRAINT model_registry_entries_model_name_key;
ALTER TABLE model_registry_entries
  ADD CONSTRAINT model_registry_entries_model_name_environment_key UNIQUE (model_name, deployment_environment);

-- The router's lookup only ever wants routable rows: a small partial index answers it.
CREATE INDEX model_registry_entries_ready_idx
  ON model_registry_entries (model_name, deployment_environment)
  WHERE deployment_status = 'ready';
