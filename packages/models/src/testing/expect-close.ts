// The relative-error assertion every golden test uses.
import { relativeError } from '@cria/core/testing';
import { expect } from 'vitest';

/** Asserts ‖a−b‖/‖b‖ <= tolerance, naming what is compared. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  const error = relativeError(actual, expected);
  expect(error, `${what}: relative error ${error}`).toBeLessThanOrEqual(tolerance);
}
