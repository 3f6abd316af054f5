-- 0003: a notification on channel model_registry_entries whenever a row appears, disappears, or its
-- status or endpoint changes, so routers can drop a cached lookup at once (LISTEN model_registry_entries)
-- instead of waiting for it to expire. The payload is JSON:
--   {"op": "INSERT|UPDATE|DELETE", "model_name": ..., "environment": ..., "status": ...}
CREATE FUNCTION model_registry_entries_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r model_registry_entries;
BEGIN
  IF TG_OP = 'DELETE' THEN
    r := OLD;
  ELSE
    r := NEW;
  END IF;
  PERFORM pg_notify('model_registry_entries', json_build_object(
    'op', TG_OP,
    'model_name', r.model_name,
    'environment', r.deployment_environment,
    'status', CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE r.deployment_status END
  )::text);
  RETURN NULL;
END $$;

CREATE TRIGGER model_registry_entries_notify_insert_delete
  AFTER INSERT OR DELETE ON model_registry_entries
  FOR EACH ROW EXECUTE FUNCTION model_registry_entries_notify();

CREATE TRIGGER model_registry_entries_notify_update
  AFTER UPDATE ON model_registry_entries
  FOR EACH ROW
  WHEN (OLD.deployment_status IS DISTINCT FROM NEW.deployment_status
     OR OLD.deployment_endpoint IS DISTINCT FROM NEW.deployment_endpoint
     OR OLD.model_name IS DISTINCT FROM NEW.model_name
     OR OLD.deployment_environment IS DISTINCT FROM NEW.deployment_environment)
  EXECUTE FUNCTION model_registry_entries_notify();
