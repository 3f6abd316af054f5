-- 0002 down: back to one row per model name. Refuses (and changes nothing) while a model is
-- registered in more than one environment, since those rows could not all be kept.
DO $$
DECLARE
  example text;
BEGIN
  SELECT model_name INTO example FROM model_registry_entries GROUP BY model_name HAVING count(*) > 1 LIMIT 1;
  IF example IS NOT NULL THEN
    RAISE EXCEPTION 'cannot roll back 0002_add_deployment_metadata: model % is registered in more than one environment', quote_literal(example)
      USING HINT = 'delete the rows you do not want to keep first (SELECT model_name, deployment_environment FROM model_registry_entries ORDER BY 1, 2)';
  END IF;
END $$;

DROP INDEX model_registry_entries_ready_idx;
ALTER TABLE model_registry_entries DROP CONSTRAINT model_registry_entries_model_name_environment_key;
ALTER TABLE model_registry_entries ADD CONSTRAINT model_registry_entries_model_name_key UNIQUE (model_name);
ALTER TABLE model_registry_entries
  DROP COLUMN last_health_check_at,
  DROP COLUMN deployment_namespace,
  DROP COLUMN deployment_environment,
  DROP COLUMN deployment_status,
  DROP COLUMN deployment_endpoint;
