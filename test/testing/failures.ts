import { AssertionError } from 'node:assert';
import { expect } from 'chai';

/** The AssertionError that `attempt` throws or rejects with; fails the test if there is none. */
export async function assertionFailure(attempt: () => unknown): Promise<AssertionError> {
  let error: unknown;
  try {
    await attempt();
  } catch (caught) {
    error = caught;
  }
  expect(error, 'the helper should have failed').to.be.instanceOf(AssertionError);
  return error as AssertionError;
}
