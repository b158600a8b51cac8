// What type-checking gave for each CEL rule, cached beside the installed dependencies (see cache-dir.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { dependencyCacheDir, packageVersion, writeCacheFile } from './cache-dir';
import type { RuleChecks } from './cel';

/** Bumped whenever what the file holds, or how, changes. */
const CACHE_FORMAT = 'agw-cel-checks-1';

/**
 * The cache file for this environment: its name holds this package's version, the CEL engine's, and the hash of
 * the code that defines the Kubernetes CEL environment, so a check is only ever reused by the same checker.
 */
function checksFile(): string | undefined {
  const dir = dependencyCacheDir('cel');
  if (!dir) return undefined;
  try {
    const engine = JSON.parse(readFileSync(join(dirname(require.resolve('@marcbachmann/cel-js')), '..', 'package.json'), 'utf8')).version;
    const code = ['cel', 'quantity', 're2'].map(name => readFileSync(join(__dirname, `${name}${extname(__filename)}`), 'utf8')).join('\n');
    const key = createHash('sha256').update(`${CACHE_FORMAT}\n${packageVersion()}\n${engine}\n${code}`).digest('hex');
    return join(dir, `${key}.json`);
  } catch {
    return undefined; // bundled, or the engine's files moved: no key that is safe
  }
}

function read(file: string | undefined): Map<string, string | null> {
  const checks = new Map<string, string | null>();
  if (!file || !existsSync(file)) return checks;
  try {
    const stored: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return checks;
    for (const [expression, reason] of Object.entries(stored)) {
      if (reason === null || typeof reason === 'string') checks.set(expression, reason);
    }
  } catch {
    // A damaged file only costs the checks again.
  }
  return checks;
}

/**
 * Type-checking a rule costs about twice parsing it, and the same CRDs' rules are checked on every run: the results
 * are kept in one file per checker. `null` means the rule checked fine; a string is why it is unsupported.
 */
export class CachedRuleChecks implements RuleChecks {
  private known?: Map<string, string | null>;
  private readonly added = new Map<string, string | null>();
  private fileName?: string | null;

  /** @param file where the checks are kept (default: the file for this checker beside the dependencies, if any) */
  public constructor(file?: string) {
    this.fileName = file;
  }

  /** Found on first use: a validator that meets no CEL rule never looks. */
  private get file(): string | undefined {
    if (this.fileName === undefined) this.fileName = checksFile() ?? null;
    return this.fileName ?? undefined;
  }

  public get(expression: string): string | null | undefined {
    if (this.added.has(expression)) return this.added.get(expression);
    this.known ??= read(this.file);
    return this.known.get(expression);
  }

  public set(expression: string, reason: string | null): void {
    this.added.set(expression, reason);
  }

  /** Writes the checks made since the last save, merged with what the file holds now. */
  public save(): void {
    if (this.added.size === 0 || !this.file) return;
    const merged = read(this.file);
    for (const [expression, reason] of this.added) merged.set(expression, reason);
    this.known = merged;
    this.added.clear();
    writeCacheFile(this.file, JSON.stringify(Object.fromEntries(merged)));
  }
}
