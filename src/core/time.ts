// RFC 3339 only: a date-time without an offset would be read in the machine's time zone, so the same input would
// give different output on different machines; `Date.parse` also accepts forms such as "01/02/2027".
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** What {@link parseRfc3339} accepts, for error messages. */
export const RFC3339_EXPECTED = 'an RFC 3339 date-time with an offset or "Z", such as "2027-01-31T00:00:00Z"';
/** What {@link parseRfc3339Date} accepts, for error messages. */
export const RFC3339_DATE_EXPECTED = 'an RFC 3339 date ("2026-11-30") or date-time with an offset or "Z" ("2026-11-30T12:00:00Z")';

function validDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an RFC 3339 date-time with an offset or `Z` (or takes a valid Date); undefined for anything else,
 * including impossible dates such as "2027-02-30T00:00:00Z".
 */
export function parseRfc3339(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Whether `value` is an RFC 3339 full date (`2026-11-30`) or a date-time {@link parseRfc3339} accepts. */
export function isRfc3339Date(value: unknown): boolean {
  if (typeof value === 'string') {
    const m = FULL_DATE.exec(value);
    if (m) return validDay(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  return typeof value === 'string' && parseRfc3339(value) !== undefined;
}
