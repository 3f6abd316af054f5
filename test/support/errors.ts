import { ValidationError } from '../../src/core/errors';

/**
 * The issues of the ValidationError that `build` throws, each as `<path>: <message> (<hint>)` (without the
 * hint when `hints` is false). Fails the test when `build` throws nothing, or anything but a ValidationError.
 */
export function validationIssues(build: () => unknown, hints = true): string[] {
  try {
    build();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}${hints && i.hint ? ` (${i.hint})` : ''}`);
  }
  throw new Error('expected a ValidationError');
}
