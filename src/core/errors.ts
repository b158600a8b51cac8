/** One problem found in the input, located by construct path and field. */
export interface SpecIssue {
  /** Where the bad input was given: a cdk8s construct path, a Pulumi resource name or a config file location. */
  readonly path: string;
  /** The prop that holds the bad value, in dotted form (`metadata.x-org`). */
  readonly field: string;
  /** The value received, already rendered for display; `<redacted>` for key material. */
  readonly value: string;
  /** What was expected instead. */
  readonly expected: string;
}

/** Formats an issue as `[path] field: expected ..., got ...`. */
export function formatIssue(issue: SpecIssue): string {
  return `[${issue.path}] ${describeIssue(issue)}`;
}

/** Formats an issue without its path, as `field: expected ..., got ...`. */
export function describeIssue(issue: SpecIssue): string {
  return `${issue.field}: expected ${issue.expected}, got ${issue.value}`;
}

/** Thrown when input fails validation; carries every problem found, not just the first. */
export class SpecValidationError extends Error {
  public readonly issues: readonly SpecIssue[];

  constructor(issues: readonly SpecIssue[]) {
    super(`${issues.length} invalid input${issues.length === 1 ? '' : 's'}:\n  ${issues.map(formatIssue).join('\n  ')}`);
    this.name = 'SpecValidationError';
    this.issues = issues;
  }
}

/** Marker for a value that must never be displayed (see {@link displayValue}). */
export const REDACTED = '<redacted>';

/** Renders a received value for an error message: short, quoted, and never key material. */
export function displayValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'object' && value !== null && 'redacted' in value) return REDACTED;
  let text: string;
  try {
    text = typeof value === 'string' && value.length > 400 ? JSON.stringify(value.slice(0, 400)) : JSON.stringify(value) ?? String(value);
  } catch {
    // Cyclic, too deep, or a BigInt: say so rather than crash.
    text = `<${Array.isArray(value) ? 'an array' : typeof value} that cannot be printed>`;
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** A field name for a message: one line, short, control characters escaped (names can come from map keys). */
export function displayField(field: string): string {
  const escaped = String(field).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 200 ? `${escaped.slice(0, 197)}...` : escaped;
}

/** Text with control characters escaped, so a name quoted in a message can never break the message's line. */
function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]/gu, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Collects issues for one construct path. */
export class IssueCollector {
  public readonly issues: SpecIssue[] = [];

  constructor(public readonly path: string) {}

  /** Records that `field` held `value` where `expected` was wanted. */
  public add(field: string, value: unknown, expected: string): void {
    this.issues.push({ path: this.path, field: displayField(field), value: displayValue(value), expected: oneLine(expected) });
  }

  /** Throws a {@link SpecValidationError} if any issue was recorded. */
  public throwIfAny(): void {
    if (this.issues.length > 0) throw new SpecValidationError(this.issues);
  }
}
