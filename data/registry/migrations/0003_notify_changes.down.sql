-- 0003 down: no more change notifications.
DROP TRIGGER model_registry_entries_notify_update ON model_registry_entries;
DROP TRIGGER model_registry_entries_notify_insert_delete ON model_registry_entries;
DROP FUNCTION model_registry_entries_notify();
