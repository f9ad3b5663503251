// The ports of Go's sort and text/tabwriter index slices as Go does; Go panics on an index out of
// range, and so do they, instead of carrying `undefined` into a table.

/** `list[i]`, or a RangeError worded like Go's panic. */
export function goIndex<T>(list: readonly T[], i: number): T {
  if (!Number.isInteger(i) || i < 0 || i >= list.length)
    throw new RangeError(`index out of range [${i}] with length ${list.length}`);
  return list[i] as T;
}
