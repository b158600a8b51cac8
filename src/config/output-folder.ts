// The output folder synth owns and check guards: every guarantee of `--out` lives here, nowhere else. It takes the
// planned files as text and knows nothing of cdk8s or the constructs.
import { createHash } from 'node:crypto';
import { closeSync, fchmodSync, lstatSync, mkdirSync, openSync, writeFileSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { lock } from 'proper-lockfile';
import writeFileAtomic = require('write-file-atomic');
import { Manifest, reviewableManifest } from '../core';
import { yamlLibrary } from '../core/yaml-schema';

/** The record of the files synth wrote into the folder, with their sha256; check requires it to be exact. */
export const RECORD_FILE = '.agentgateway-constructs-files';
/** Held while synth writes; a second synth into the same folder fails at once. */
export const LOCK_DIR = '.agentgateway-constructs.lock';
/** New files wait here until they all exist, so a failed write leaves the old files untouched. */
export const STAGING_DIR = '.agentgateway-constructs-staging';
const RESERVED = [RECORD_FILE, LOCK_DIR, STAGING_DIR];

/** A lock older than this (not refreshed) belongs to a killed synth and is taken over. */
export const LOCK_STALE_MS = 10_000;
/** The largest record synth reads: far more than 100 000 files, far less than a hostile file could make it do. */
export const MAX_RECORD_BYTES = 32 * 1024 * 1024;
/** Removing more than this share of the recorded files (and more than {@link MASS_DELETE_MIN}) needs a flag. */
const MASS_DELETE_SHARE = 0.5;
const MASS_DELETE_MIN = 3;

const RECORD_HEADER = '# agentgateway-constructs: files synth wrote here and their sha256. Do not edit: synth and check verify it.';
const HASH = /^sha256:[0-9a-f]{64}$/;
// Paths synth writes: lowercase-safe names, `/`-separated, `.yaml`; nothing else is accepted from a record.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

/** A problem with the output folder or its record; nothing was written unless the message says otherwise. */
export class OutputFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputFolderError';
  }
}

export interface OutputFolderOptions {
  /** The config the files come from: never an output, and never inside the output folder. */
  readonly configFile?: string;
  /**
   * Planned files that hold plaintext key material: written with mode 0600.
   * @default - none
   */
  readonly privateFiles?: ReadonlySet<string>;
  /**
   * Take over files synth did not write (or that changed since): overwrite them at planned paths, remove them at
   * recorded ones.
   * @default false
   */
  readonly adopt?: boolean;
  /**
   * Allow removing every recorded file, or more than half of them (and more than three).
   * @default false
   */
  readonly allowMassDelete?: boolean;
}

export interface WriteResult {
  /** Every planned file: all now hold the planned text. */
  readonly files: readonly string[];
  /** The planned files whose text or mode actually changed. */
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /** Files under the folder synth did not write and left alone (check fails on them). */
  readonly foreign: readonly string[];
}

/**
 * A large text goes to UTF-8 a slice at a time, so hashing or writing a 50 000-team file never holds a second,
 * encoded copy of it. A slice never ends on the first half of a surrogate pair, so no character is split.
 */
function* utf8Slices(text: string): Generator<string> {
  const size = 1 << 20;
  for (let start = 0; start < text.length;) {
    let end = Math.min(start + size, text.length);
    if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1])) end--;
    yield text.slice(start, end);
    start = end;
  }
}

const sha256 = (text: string | Buffer) => {
  const hash = createHash('sha256');
  if (typeof text === 'string') for (const slice of utf8Slices(text)) hash.update(slice);
  else hash.update(text);
  return `sha256:${hash.digest('hex')}`;
};

/** Why `path` may not be a file of the folder, or undefined when it may. */
function pathProblem(path: string): string | undefined {
  if (path.includes('\0')) return 'contains a NUL byte';
  if (isAbsolute(path) || path.startsWith('/') || path.includes('\\')) return 'is not a relative path with "/"';
  const segments = path.split('/');
  if (segments.some(s => s === '..' || s === '.')) return 'contains "." or ".."';
  if (!segments.every(s => SEGMENT.test(s))) return 'is not a plain file name (letters, digits, ".", "_", "-")';
  if (!path.endsWith('.yaml')) return 'does not end in .yaml';
  if (RESERVED.includes(segments[0])) return 'is reserved for synth';
  return undefined;
}

/** A file's state in the record: the hashes its content may have (two while a synth is in progress). */
type Record = { readonly pending: boolean; readonly entries: ReadonlyMap<string, ReadonlySet<string>> };

function renderRecord(pending: boolean, entries: ReadonlyMap<string, ReadonlySet<string>>): string {
  const lines = [RECORD_HEADER, `state ${pending ? 'pending' : 'complete'}`,
    ...[...entries.keys()].sort().map(path => `${[...entries.get(path)!].sort().join(',')} ${path}`)];
  const body = `${lines.join('\n')}\n`;
  return `${body}digest ${sha256(body)}\n`;
}

/** Each planned file's sha256, computed once per synth (a 50 000-team file is 14 MB). */
const fileHashes = (files: ReadonlyMap<string, string>) => new Map([...files].map(([path, text]) => [path, sha256(text)]));

function completeRecord(hashes: ReadonlyMap<string, string>): string {
  return renderRecord(false, new Map([...hashes].map(([path, hash]) => [path, new Set([hash])])));
}

/** Reads and verifies the record; a record that fails any check is an error, never an instruction. */
function readRecord(out: string, shownOut: string): Record | undefined {
  const file = join(out, RECORD_FILE);
  const shown = join(shownOut, RECORD_FILE);
  const stat = lstatOrUndefined(file);
  if (!stat) return undefined;
  const fail = (why: string) => new OutputFolderError(`${shown}: ${why}. The record is never used as an instruction: `
    + 'restore it from git, or delete it and run synth with --adopt (it takes over the files synth produces; remove the rest yourself)');
  if (!stat.isFile()) throw fail('is not a regular file (a symbolic link or folder)');
  if (stat.size > MAX_RECORD_BYTES) throw fail(`is ${stat.size} bytes, more than the ${MAX_RECORD_BYTES} a record can be`);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.length < 3) throw fail('is not a record synth wrote (truncated or empty)');
  const digestLine = lines.pop()!;
  const body = `${lines.join('\n')}\n`;
  if (lines[0] !== RECORD_HEADER || !/^state (pending|complete)$/.test(lines[1])) throw fail('has an unknown format (an older version\'s list of files?)');
  if (digestLine !== `digest ${sha256(body)}`) throw fail('was edited or damaged (its digest does not match)');
  const entries = new Map<string, Set<string>>();
  const folded = new Map<string, string>();
  for (const [index, line] of lines.slice(2).entries()) {
    const space = line.indexOf(' ');
    const hashes = line.slice(0, space).split(',');
    const path = line.slice(space + 1);
    const where = `line ${index + 3}`;
    if (space < 0 || !hashes.every(h => HASH.test(h))) throw fail(`${where} is not "sha256:<hex> <path>"`);
    const problem = pathProblem(path);
    if (problem) throw fail(`${where}: the path ${JSON.stringify(path)} ${problem}`);
    // On case-insensitive file systems two spellings name one file.
    const other = folded.get(path.toLowerCase());
    if (other !== undefined) throw fail(`${where}: ${path} is listed twice (as ${other})`);
    folded.set(path.toLowerCase(), path);
    entries.set(path, new Set(hashes));
  }
  return { pending: lines[1] === 'state pending', entries };
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/**
 * Resolves `path` under `out`, refusing a symbolic link or a file on the way: synth never writes or removes
 * through a link. Returns the absolute path and the target's lstat (undefined when it does not exist).
 */
function resolveInside(out: string, path: string) {
  const absolute = resolve(out, ...path.split('/'));
  const rel = relative(out, absolute);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new OutputFolderError(`${path}: leads outside the output folder ${out}`);
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const dir = join(out, ...segments.slice(0, i));
    const stat = lstatOrUndefined(dir);
    if (!stat) return { absolute, stat: undefined };
    if (stat.isSymbolicLink()) throw new OutputFolderError(`${join(out, path)}: ${dir} is a symbolic link; synth never writes or removes through links (replace it with a folder)`);
    if (!stat.isDirectory()) throw new OutputFolderError(`${join(out, path)}: ${dir} is not a folder`);
  }
  return { absolute, stat: lstatOrUndefined(absolute) };
}

/** The output folder's real path, after checking it is a real folder (not a link) and does not hold the config. */
function checkFolder(out: string, options: OutputFolderOptions, create: boolean): string {
  let stat = lstatOrUndefined(out);
  if (stat?.isSymbolicLink()) throw new OutputFolderError(`--out ${out} is a symbolic link: give the folder it points to, synth never writes through links`);
  if (stat && !stat.isDirectory()) throw new OutputFolderError(`--out ${out} is not a folder`);
  if (!stat && create) {
    mkdirSync(out, { recursive: true });
    stat = lstatSync(out);
  }
  if (!stat) throw new OutputFolderError(`--out ${out} does not exist: run synth first`);
  const real = realpathSync.native(out);
  if (options.configFile !== undefined) {
    const config = realpathSync.native(options.configFile);
    if (config.toLowerCase().startsWith(`${real.toLowerCase()}${sep}`)) {
      throw new OutputFolderError(`--out ${out} holds the config file ${options.configFile}: the output folder is synth's alone, give it a folder of its own`);
    }
  }
  return real;
}

function checkPlanned(files: ReadonlyMap<string, string>, options: OutputFolderOptions): void {
  if (files.size === 0) {
    throw new OutputFolderError(`${options.configFile ?? 'the config'}:1:1: the config yields no objects; an empty output `
      + 'would make a pruning GitOps controller delete every manifest. Declare routes or teams');
  }
  const folded = new Set<string>();
  for (const path of files.keys()) {
    const problem = pathProblem(path);
    if (problem) throw new OutputFolderError(`planned file ${JSON.stringify(path)} ${problem}`);
    if (folded.has(path.toLowerCase())) throw new OutputFolderError(`planned file ${path} differs from another only in case`);
    folded.add(path.toLowerCase());
  }
}

/** Every file under `out` (not following links), relative with `/`; links and odd files are listed too. */
function listFolder(out: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix + entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), `${rel}/`);
      else found.push(rel);
    }
  };
  walk(out, '');
  return found.sort();
}

const summarize = (paths: readonly string[], max = 50) =>
  paths.slice(0, max).join(', ') + (paths.length > max ? ` and ${paths.length - max} more` : '');

/**
 * Makes `out` hold exactly `files` (relative path -> text), under a lock, so that after a crash or write error the
 * folder is the old state, the new one, or a state check rejects and the next synth repairs. Files synth did not
 * write are never touched without `adopt`; a tampered record is an error; nothing is written or removed through a
 * symbolic link or outside `out`.
 */
export async function writeOutputFolder(out: string, files: ReadonlyMap<string, string>, options: OutputFolderOptions = {}): Promise<WriteResult> {
  checkPlanned(files, options);
  const existed = lstatOrUndefined(out) !== undefined;
  const real = checkFolder(out, options, true);
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lock(real, {
      lockfilePath: join(real, LOCK_DIR), realpath: false, stale: LOCK_STALE_MS, update: LOCK_STALE_MS / 5,
      onCompromised: e => { compromised = e; },
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
    throw new OutputFolderError(`another synth is writing to ${out} (it holds ${join(out, LOCK_DIR)}). If none is running, `
      + `one was killed: its lock goes stale ${LOCK_STALE_MS / 1000} s after, then synth repairs the folder`);
  }
  try {
    return await writeLocked(real, out, files, options, () => {
      if (compromised) throw new OutputFolderError(`lost the lock on ${out} (${compromised.message}); run synth again`);
    });
  } finally {
    await release().catch(() => undefined);
    if (!existed && readdirSync(real).length === 0) rmdirSync(real);
  }
}

async function writeLocked(real: string, out: string, files: ReadonlyMap<string, string>, options: OutputFolderOptions,
  checkLock: () => void): Promise<WriteResult> {
  const record = readRecord(real, out);
  const recorded = record?.entries ?? new Map<string, ReadonlySet<string>>();
  const staging = join(real, STAGING_DIR);
  // Left by a synth killed before it wrote its record: ours by name, never anything else.
  rmSync(staging, { recursive: true, force: true });

  const problems: string[] = [];
  const changed: string[] = [];
  for (const [path, text] of files) {
    const { stat, absolute } = resolveInside(real, path);
    const mode = options.privateFiles?.has(path) ? 0o600 : 0o644;
    if (!stat) {
      changed.push(path);
      continue;
    }
    if (!stat.isFile()) {
      if (!(options.adopt && stat.isSymbolicLink())) problems.push(`${join(out, path)} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}, and synth would write it`);
      else changed.push(path);
      continue;
    }
    if (!recorded.has(path) && !options.adopt) {
      problems.push(`${join(out, path)} was not written by synth, and synth would write it (--adopt takes it over)`);
      continue;
    }
    if ((stat.mode & 0o777) !== mode || readFileSync(absolute, 'utf8') !== text) changed.push(path);
  }

  const planned = new Set([...files.keys()].map(p => p.toLowerCase()));
  const removed: string[] = [];
  for (const [path, hashes] of recorded) {
    if (files.has(path)) continue;
    // Another spelling of a planned file names the same file on case-insensitive systems: leave it be.
    if (planned.has(path.toLowerCase())) continue;
    const { stat, absolute } = resolveInside(real, path);
    if (!stat) continue;
    if (!stat.isFile()) problems.push(`${join(out, path)} is in the record but is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; synth removes only files it wrote`);
    else if (options.adopt || hashes.has(sha256(readFileSync(absolute)))) removed.push(path);
    else problems.push(`${join(out, path)} changed since synth wrote it, and synth would remove it (--adopt removes it anyway)`);
  }
  if (problems.length > 0) throw new OutputFolderError(`nothing written:\n  ${problems.join('\n  ')}`);

  const before = [...recorded.keys()].filter(p => lstatOrUndefined(join(real, ...p.split('/')))?.isFile());
  if (removed.length > 0 && !options.allowMassDelete
    && (removed.length === before.length || (removed.length > MASS_DELETE_MIN && removed.length > before.length * MASS_DELETE_SHARE))) {
    throw new OutputFolderError(`nothing written: synth would remove ${removed.length} of the ${before.length} files it wrote before `
      + `(${summarize(removed)}). If that is intended (a layout change, teams retired at once), run synth again with --allow-mass-delete`);
  }

  const removing = new Set(removed);
  const foreign = listFolder(real).filter(p => !files.has(p) && !removing.has(p) && !recorded.has(p) && !RESERVED.some(r => p === r || p.startsWith(`${r}/`)));
  const hashes = fileHashes(files);
  const finalRecord = completeRecord(hashes);
  const recordPath = join(real, RECORD_FILE);
  const recordUpToDate = lstatOrUndefined(recordPath) !== undefined && readFileSync(recordPath, 'utf8') === finalRecord;
  if (changed.length === 0 && removed.length === 0 && recordUpToDate) return { files: [...files.keys()], changed, removed, foreign };

  // 1. Every new file, complete, in the staging folder: a failure here leaves the old files as they were.
  try {
    mkdirSync(staging, { mode: 0o700 });
    for (const [index, path] of changed.entries()) {
      // Staged files need no atomic write of their own (the rename into place is the atomic step), nor an fsync
      // each (a minute for 5 000 files): after a power loss check sees a damaged file as changed and synth rewrites
      // it. Plain synchronous writes are 7 times faster than write-file-atomic here; yielding lets the lock refresh.
      writeStaged(join(staging, String(index)), files.get(path)!, options.privateFiles?.has(path) ? 0o600 : 0o644);
      if (index % 200 === 199) await new Promise(resolve => setImmediate(resolve));
    }
    checkLock();
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  // 2. A pending record naming old and new content of every file, so after a crash the next synth knows them all
  //    as its own, and check rejects the folder.
  const pending = new Map<string, Set<string>>();
  for (const [path, hashes] of recorded) pending.set(path, new Set(hashes));
  for (const [path, hash] of hashes) pending.set(path, new Set([...pending.get(path) ?? [], hash]));
  await writeFileAtomic(recordPath, renderRecord(true, pending), { mode: 0o644 });
  try {
    moveIn(real, staging, changed, removed);
    checkLock();
  } catch (e) {
    throw new OutputFolderError(`synth failed half-way (${(e as Error).message}): ${out} is marked as interrupted, `
      + 'so check fails until a synth succeeds; fix the cause and run synth again');
  }
  await writeFileAtomic(recordPath, finalRecord, { mode: 0o644 });
  rmSync(staging, { recursive: true, force: true });
  return { files: [...files.keys()], changed, removed, foreign };
}

/** Writes a new file with exactly `mode` (whatever the umask), refusing to follow or reuse anything there. */
function writeStaged(path: string, text: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    for (const slice of utf8Slices(text)) writeFileSync(fd, slice);
  } finally {
    closeSync(fd);
  }
}

/** Moves the staged files in (each rename is atomic) and removes the stale ones, with folders left empty. */
function moveIn(real: string, staging: string, changed: readonly string[], removed: readonly string[]): void {
  for (const [index, path] of changed.entries()) {
    const segments = path.split('/');
    if (segments.length > 1) mkdirSync(join(real, ...segments.slice(0, -1)), { recursive: true });
    renameSync(join(staging, String(index)), join(real, ...segments));
  }
  const folders = new Set<string>();
  for (const path of removed) {
    const segments = path.split('/');
    unlinkSync(join(real, ...segments));
    for (let i = segments.length - 1; i > 0; i--) folders.add(segments.slice(0, i).join('/'));
  }
  // Deepest first, once each: folders the removals left empty go too.
  for (const folder of [...folders].sort((a, b) => b.split('/').length - a.split('/').length)) {
    const dir = join(real, ...folder.split('/'));
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  }
}

/** Parses YAML text into documents, or undefined when it is not valid YAML or its aliases expand too far. */
function parseDocuments(text: string): unknown[] | undefined {
  try {
    // Warnings off: yaml's warning about a map or list as a key prints that key's text to stderr.
    const docs = yamlLibrary().parseAllDocuments(text, { logLevel: 'error' });
    if (!Array.isArray(docs) || docs.some(d => d.errors.length > 0)) return undefined;
    return docs.map(d => d.toJS() as unknown);
  } catch {
    // toJS refuses an alias bomb (the yaml package's alias limit): a committed file that is one is reported as changed.
    return undefined;
  }
}

const isManifest = (value: unknown): value is Manifest => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A file's documents as a reviewer reads them: key material redacted, Secret data decoded. */
function reviewable(docs: unknown[]): string {
  const { stringify } = yamlLibrary();
  return docs.map(d => stringify(isManifest(d) ? reviewableManifest(d) : d, { lineWidth: 0 })).join('---\n');
}

/**
 * A YAML stream cut before each `---` line. Such a line is a document marker wherever it appears (YAML forbids it
 * inside content), so every piece holds whole documents and the pieces joined give the text back.
 */
const documentPieces = (text: string): string[] => text.split(/(?=^---\n)/m);

/** The texts of `mine` in order, less those `theirs` has too (each match used once: a multiset difference). */
function withoutCommon(mine: readonly string[], theirs: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const text of theirs) left.set(text, (left.get(text) ?? 0) + 1);
  return mine.filter(text => {
    const count = left.get(text);
    if (!count) return true;
    left.set(text, count - 1);
    return false;
  });
}

/**
 * The documents of two texts that differ, as texts, each side in its own order: a document found on both sides is
 * unchanged wherever it moved, so one changed team in a 10 000-team file is parsed and diffed as one document, and a
 * label changed on 2 000 of 200 000 teams as 2 000, not as everything between the first and the last.
 */
function differingDocuments(actual: string, expected: string): [string[], string[]] {
  const [all, allExpected] = [documentPieces(actual), documentPieces(expected)];
  // Equal leading and trailing pieces first (compared, not hashed): one changed team leaves one piece on each side.
  let head = 0;
  while (head < all.length && head < allExpected.length && all[head] === allExpected[head]) head++;
  let tail = 0;
  while (tail < all.length - head && tail < allExpected.length - head && all[all.length - 1 - tail] === allExpected[allExpected.length - 1 - tail]) tail++;
  const [a, e] = [all.slice(head, all.length - tail), allExpected.slice(head, allExpected.length - tail)];
  return [withoutCommon(a, e), withoutCommon(e, a)];
}

/** Documents of one side shown in a diff at most: enough to review, and the diff stays fast whatever changed. */
const SHOWN_DOCUMENTS = 50;

/** How a committed file differs from the planned one, without key material; the first line says how. */
function describeChange(path: string, committed: string, planned: string): string {
  const [removed, added] = differingDocuments(committed, planned);
  if (removed.length === 0 && added.length === 0) return `changed: ${path} holds the same documents in another order (synth would rewrite it)`;
  const [actualDocs, expectedDocs] = [parseDocuments(removed.join('')), parseDocuments(added.join(''))];
  if (!actualDocs || !expectedDocs) return `changed: ${path} is not valid YAML, or expands aliases too far (synth would rewrite it; not shown, it may hold keys)`;
  // Compared as a reviewer reads them: documents that differ only in formatting or key material drop out here, so
  // the documents shown are the ones whose difference can be shown.
  const [before, after] = [actualDocs.map(d => reviewable([d])), expectedDocs.map(d => reviewable([d]))];
  const [shownBefore, shownAfter] = [withoutCommon(before, after), withoutCommon(after, before)];
  if (shownBefore.length === 0 && shownAfter.length === 0) {
    if (before.join('\n') !== after.join('\n')) return `changed: ${path} holds the same documents in another order (synth would rewrite it)`;
    return isDeepStrictEqual(actualDocs, expectedDocs)
      ? `changed: ${path} differs only in comments or formatting (synth would rewrite it)`
      : `changed: ${path} differs only in key material (not shown)`;
  }
  // Loaded here: only `check` with a difference needs it.
  const { createTwoFilesPatch } = require('diff') as typeof import('diff');
  const many = Math.max(shownBefore.length, shownAfter.length) > SHOWN_DOCUMENTS;
  const shown = (docs: string[]) => docs.slice(0, SHOWN_DOCUMENTS).join('---\n');
  const patch = createTwoFilesPatch(`${path} (committed)`, `${path} (synth)`, shown(shownBefore), shown(shownAfter), '', '',
    // Only changed documents are compared: each is shown whole, so the reviewer sees whose it is.
    { context: Number.MAX_SAFE_INTEGER }).trimEnd();
  return `changed: ${path}${many ? ` (${shownBefore.length} committed and ${shownAfter.length} planned documents differ; the first ${SHOWN_DOCUMENTS} of each are shown)` : ''}\n${patch}`;
}

/**
 * Every way `out` differs from what synth would write: changed, missing and extra files (anything under `out`
 * synth would not write reaches the cluster too), a record that is not exactly synth's, and traces of a synth
 * that is running or was killed. Empty when up to date. Diffs never show key material; Secret data is decoded.
 */
export function checkOutputFolder(out: string, files: ReadonlyMap<string, string>, options: OutputFolderOptions = {}): string[] {
  checkPlanned(files, options);
  const real = checkFolder(out, options, false);
  const problems: string[] = [];
  if (lstatOrUndefined(join(real, LOCK_DIR))) problems.push(`locked: ${LOCK_DIR} (a synth is running, or was killed before it finished)`);
  if (lstatOrUndefined(join(real, STAGING_DIR))) problems.push(`interrupted: ${STAGING_DIR} (left by a synth that did not finish)`);
  try {
    const record = readRecord(real, out);
    if (!record) problems.push(`missing: ${RECORD_FILE} (the record synth writes)`);
    else if (record.pending) problems.push(`interrupted: ${RECORD_FILE} says a synth did not finish`);
    else if (readFileSync(join(real, RECORD_FILE), 'utf8') !== completeRecord(fileHashes(files))) problems.push(`changed: ${RECORD_FILE} is not the record synth would write`);
  } catch (e) {
    if (!(e instanceof OutputFolderError)) throw e;
    problems.push(`changed: ${e.message.split('. The record')[0]}`);
  }
  for (const [path, expected] of files) {
    let found;
    try {
      found = resolveInside(real, path);
    } catch (e) {
      if (!(e instanceof OutputFolderError)) throw e;
      problems.push(`changed: ${e.message}`);
      continue;
    }
    if (!found.stat) problems.push(`missing: ${path} (synth would write it)`);
    else if (!found.stat.isFile()) problems.push(`changed: ${path} is ${found.stat.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`);
    else {
      const actual = readFileSync(found.absolute, 'utf8');
      if (actual !== expected) problems.push(describeChange(path, actual, expected));
    }
  }
  for (const path of listFolder(real)) {
    if (files.has(path) || path === RECORD_FILE || path.startsWith(`${LOCK_DIR}/`) || path.startsWith(`${STAGING_DIR}/`)) continue;
    const link = lstatSync(join(real, ...path.split('/'))).isSymbolicLink();
    problems.push(`extra: ${path} (${link ? 'a symbolic link' : 'synth did not produce it'}; it would reach the cluster)`);
  }
  return problems;
}
