// A test that needs a built binary (Envoy, an Istio oracle, Go): skipped, by name and with what to run, on a
// machine without it; on CI (CI=true, as .ci/run sets it after `npm run setup`) a missing binary fails loudly,
// because there the setup should have built it.

/** `false` when the prerequisite is there; else the skip reason, or a throw on CI. */
export function prerequisite(present: boolean, missing: string): false | string {
  if (present) return false;
  if (process.env.CI === 'true') throw new Error(`${missing}: required on CI, where npm run setup builds it`);
  return missing;
}
