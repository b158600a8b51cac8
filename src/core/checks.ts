import { IssueCollector, REDACTED } from './errors';

// Patterns as the Kubernetes API server and the Gateway API CRDs define them.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GATEWAY_DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SECRET_DATA_KEY = /^[-._a-zA-Z0-9]+$/;

export function checkDnsSubdomain(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    issues.add(field, value, 'a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)');
  }
}

export function checkDnsLabel(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > 63 || !DNS_LABEL.test(value)) {
    issues.add(field, value, 'a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
  }
}

export function checkPathPrefix(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 1024 || /[\s?#]/.test(value)) {
    issues.add(field, value, 'a path starting with "/", without spaces, "?" or "#", at most 1024 characters');
  } else if (value.includes('//') || /\/\.\.?(\/|$)/.test(value)) {
    issues.add(field, value, 'a path without "//", "/./" or "/../" segments');
  }
}

export function checkGatewayDuration(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'string' || !GATEWAY_DURATION.test(value)) {
    issues.add(field, value, 'a Gateway API duration such as "120s", "1m30s" or "500ms"');
  }
}

/** `__proto__` cannot be an own key of an ordinary object everywhere a name travels (object literals, spreads). */
const PROTO = '__proto__';

export function checkHeaderName(issues: IssueCollector, field: string, value: unknown): void {
  if (value === PROTO) issues.add(field, value, 'a header name other than "__proto__" (JavaScript objects cannot carry it)');
  else if (typeof value !== 'string' || value.length > 256 || !HTTP_TOKEN.test(value)) {
    issues.add(field, value, 'an HTTP header name (an RFC 9110 token: letters, digits and !#$%&\'*+-.^_`|~)');
  }
}

export function checkHeaderValue(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'string' || /[\r\n\0]/.test(value)) {
    issues.add(field, value, 'a header value without CR, LF or NUL characters');
  }
}

export function checkSecretDataKey(issues: IssueCollector, field: string, value: unknown): void {
  if (value === PROTO) issues.add(field, value, 'a name other than "__proto__" (JavaScript objects cannot carry it)');
  else if (typeof value !== 'string' || value.length > 253 || !SECRET_DATA_KEY.test(value)) {
    issues.add(field, value, 'a Secret data key (letters, digits, "-", "_" and ".")');
  }
}

export function checkPort(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    issues.add(field, value, 'an integer port from 1 to 65535');
  }
}

/** Checks a rate-limit domain, which keeps one set of budgets apart from another's on the rate-limit server. */
export function checkRateLimitDomain(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) issues.add(field, value, 'a rate-limit domain of 1 to 256 characters');
}

/** Checks what the gateway does when the rate-limit server cannot be reached. */
export function checkFailureMode(issues: IssueCollector, field: string, value: unknown): void {
  if (value !== 'FailClosed' && value !== 'FailOpen') issues.add(field, value, '"FailClosed" or "FailOpen"');
}

export function checkNonEmptyString(issues: IssueCollector, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') issues.add(field, value, 'a non-empty string');
}

/**
 * Checks that `value` is a plain map (`{...}`): an object with another prototype (`{ __proto__: {...} }`, a class
 * instance) hides entries from `Object.entries`, which would drop them silently.
 */
export function checkPlainMap(issues: IssueCollector, field: string, value: unknown, expected: string): value is object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.add(field, value, expected);
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    issues.add(field, 'an object with a prototype', `${expected}, as a plain object literal (entries set through "__proto__" would be dropped)`);
    return false;
  }
  return true;
}

/** Checks Kubernetes label keys (optional DNS prefix + name) and values. */
export function checkLabels(issues: IssueCollector, field: string, labels: unknown): void {
  if (labels === undefined) return;
  if (!checkPlainMap(issues, field, labels, 'a map of label keys to values')) return;
  // Names first, values read by name: no [key, value] array per entry (labels are checked once per team).
  const keys = Object.keys(labels);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const value = (labels as Record<string, unknown>)[key];
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = key.slice(slash + 1);
    if ((prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
      || name.length > 63 || !LABEL_NAME.test(name)) {
      issues.add(`${field}.${key}`, key, 'a label key: an optional DNS-1123 prefix and "/", then at most 63 letters, digits, "-", "_" or "."');
    }
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !LABEL_NAME.test(value))) {
      issues.add(`${field}.${key}`, value, 'a label value: empty, or at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric');
    }
  }
}

/** Checks that `options` has only the keys in `allowed`, and all of `required`. */
export function checkOptionKeys(issues: IssueCollector, field: string, options: object, allowed: readonly string[],
  required: readonly string[] = []): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      issues.add(`${field}.${key}`, key, allowed.length ? `one of ${allowed.map(a => `"${a}"`).join(', ')}` : 'no options');
    }
  }
  for (const key of required) {
    if ((options as Record<string, unknown>)[key] === undefined) issues.add(`${field}.${key}`, undefined, 'a value (required)');
  }
}

/**
 * Checks an `http(s)://host[:port]` service URL (no path, query or user info). A bad value is shown with any user
 * info replaced, since a password pasted into a URL must not reach an error message.
 */
export function checkServiceUrl(issues: IssueCollector, field: string, value: unknown): void {
  if (isServiceUrl(value)) return;
  // Up to the last `@`: a password may hold `/`, `?` or `#` (base64 does), which end user info only in a valid URL.
  const shown = typeof value === 'string' && value.includes('@') ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, `$1${REDACTED}@`) : value;
  issues.add(field, shown, 'http(s)://host[:port] without a path, query or user info');
}

/** Whether `value` is an `http(s)://host[:port]` URL without a path, query or user info. */
export function isServiceUrl(value: unknown): value is string {
  return typeof value === 'string' && /^https?:\/\/[^/?#@\s]+$/.test(value);
}
