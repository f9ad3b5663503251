import assert from 'node:assert/strict';

/** `list[i]`, asserted present: a test that indexes past what the code produced fails here, by name. */
export function at<T>(list: readonly T[] | undefined, i = 0): T {
  const v = list?.[i];
  assert.ok(v !== undefined, `expected an item at [${i}] of ${list ? `a list of ${list.length}` : 'undefined'}`);
  return v;
}
