/**
 * The first agentgateway release whose policy CRD has each optional field this library emits, from the policy CRD of
 * every release since v1.0.0 and of main (fields every one of them has are not listed).
 */
export const POLICY_FIELD_RELEASES = {
  /** Team budgets (AGW PR #1749). */
  'traffic.rateLimit.conditional': 'v1.2.0',
  /** A key header other than `Authorization: Bearer` (`headerName` with built-in auth). */
  'traffic.apiKeyAuthentication.location.header': 'v1.2.0',
  /** Hashed keys in ConfigMaps. */
  'traffic.apiKeyAuthentication.configMapSelector': 'v1.4.0',
} as const;

/** Whether a release (`v1.4.1`, `1.2`) is at least `minimum`; an unreadable version is not. */
export function versionAtLeast(version: string, minimum: string): boolean {
  // An earlier form took (version, major, minor): a JavaScript caller of it must not get a silent `false`.
  if (typeof minimum !== 'string') throw new TypeError(`versionAtLeast(version, minimum): expected minimum as a release such as "v1.5.0", got ${typeof minimum}`);
  const parse = (v: string) => typeof v === 'string' ? /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v)?.slice(1).map(n => Number(n ?? 0)) : undefined;
  const [have, need] = [parse(version), parse(minimum)];
  if (!have || !need) return false;
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i] > need[i];
  return true;
}
