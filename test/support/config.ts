import { ConfigInput, generateConfig } from '../../src/config/generate';
import { ValidationError } from '../../src/core/errors';

/** The engine's issues for `input` as `<path>: <message>` (no hints); [] when it generates. */
export function configIssues(input: ConfigInput): string[] {
  try {
    generateConfig(input);
  } catch (err) {
    if (!ValidationError.isValidationError(err)) throw err;
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}
