import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { Environment } from '@marcbachmann/cel-js';
import { ManifestValidator, RuleCompiler, loadCrds, parseObjects } from '../src/validate';
import { packageVersion } from '../src/validate/cache-dir';
import { CachedRuleChecks } from '../src/validate/cel-check-cache';
import { cachedValidatorFile, compileSchema } from '../src/validate/compiled-cache';
import { crdCacheEntry, crdOutlines, crdStatEntry } from '../src/validate/crd-cache';
import { exampleCrd, exampleObject, exampleProblems } from './helpers';

// The caches beside the installed dependencies must never hand a run something other than what it asked for: not an
// older version's entry, not a code cache made from other code, not a schema other than the one named, and not a
// mix of two concurrent writers' bytes.

const ROOT = join(__dirname, '..');
const unique = () => `${process.pid} ${Date.now()} ${Math.random()}`;
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const written: string[] = [];
afterAll(() => {
  for (const file of written) for (const f of [file, `${file}.v8`]) rmSync(f, { force: true });
});


/** A CRD file (Widget at most 3, Gadget at most 5 characters) no run has cached yet. */
function crdFile(widgetLength = 3, file = join(mkdtempSync(join(tmpdir(), 'agw-cache-')), 'crds.yaml'), id = unique()): { file: string; text: string; entry: string } {
  const text = `# ${id}\n${stringify(exampleCrd('Widget', widgetLength))}---\n${stringify(exampleCrd('Gadget', 5))}`;
  writeFileSync(file, text);
  const entry = crdCacheEntry(Buffer.from(text))!;
  written.push(entry);
  return { file, text, entry };
}
const schemaFile = (id: string) => join(dirname(crdCacheEntry(Buffer.from(''))!), 'schemas', `${id}.json`);
const schemaId = (maxLength: number) => sha256(JSON.stringify(exampleCrd('X', maxLength).spec.versions[0].schema.openAPIV3Schema));

describe('the parsed-CRD cache', () => {
  test('is keyed by the file\'s bytes, this package\'s version and the cache format: an older layout\'s entry is never read', () => {
    const { file, text, entry } = crdFile();
    expect(crdCacheEntry(Buffer.from(text), packageVersion())).toBe(entry);
    expect(crdCacheEntry(Buffer.from(text), `${packageVersion()}-next`)).not.toBe(entry);
    expect(basename(entry)).not.toBe(`${sha256(text)}.json`);
    // The earlier layout kept the parsed objects under the sha256 of the text alone: plant one that allows anything.
    const old = join(dirname(entry), `${sha256(text)}.json`);
    written.push(old);
    mkdirSync(dirname(old), { recursive: true }); // a fresh clone has no cache folder yet
    writeFileSync(old, JSON.stringify([exampleCrd('Widget', 1000), exampleCrd('Gadget', 1000)]));
    expect(exampleProblems(loadCrds([file]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    expect(existsSync(entry)).toBe(true);
  });

  test('reads only the schemas of the kinds it validates, each checked against the hash that names it', () => {
    const { file } = crdFile();
    loadCrds([file]); // fills the cache
    const gadget = schemaFile(schemaId(5));
    rmSync(gadget, { force: true });
    expect(exampleProblems(loadCrds([file]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    expect(existsSync(gadget)).toBe(false); // never read, so never missed
    expect(exampleProblems(loadCrds([file]), exampleObject('Gadget', 'longer'))).toEqual(['Gadget n/x /spec/size: must NOT have more than 5 characters']);
    expect(existsSync(gadget)).toBe(true); // parsed again from the file and put back

    // A schema file that is not what its name says (damaged, or planted) is not used.
    const widget = schemaFile(schemaId(3));
    const original = readFileSync(widget);
    try {
      writeFileSync(widget, JSON.stringify(exampleCrd('Widget', 1000).spec.versions[0].schema.openAPIV3Schema));
      expect(exampleProblems(loadCrds([file]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    } finally {
      writeFileSync(widget, original);
    }
  });
});

describe('the CRD files\' stat index', () => {
  const validatorOf = (file: string) => {
    const validator = new ManifestValidator();
    for (const crd of crdOutlines(file, parseObjects, 0)) validator.addCrdOutline(crd, file);
    return validator;
  };

  test('an unchanged file is not read again; the same file rewritten with the same size is', async () => {
    const { file } = crdFile(3);
    const longAgo = 1_700_000_000; // whole seconds, so `touch -d` below can set the very same mtime again
    utimesSync(file, longAgo, longAgo);
    written.push(crdStatEntry(file)!);
    expect(exampleProblems(validatorOf(file), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    expect(existsSync(crdStatEntry(file)!)).toBe(true);
    // The module object crd-cache.ts calls into (an `import *` namespace cannot be spied on).
    const read = jest.spyOn(jest.requireActual<typeof import('node:fs')>('node:fs'), 'readFileSync');
    try {
      expect(exampleProblems(validatorOf(file), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
      expect(read.mock.calls.filter(([path]) => path === file)).toEqual([]);
    } finally {
      read.mockRestore();
    }
    const before = statSync(file);
    const [id] = readFileSync(file, 'utf8').slice(2).split('\n', 1);
    await new Promise(done => setTimeout(done, 30)); // past the file system clock's tick
    crdFile(4, file, id); // same inode, same size, one limit changed
    utimesSync(file, longAgo, longAgo); // as `touch -d` would: only the ctime tells the rewrite apart
    expect(statSync(file).size).toBe(before.size);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(exampleProblems(validatorOf(file), exampleObject('Widget', 'long'))).toEqual([]);
    expect(exampleProblems(validatorOf(file), exampleObject('Widget', 'longer'))).toEqual(['Widget n/x /spec/size: must NOT have more than 4 characters']);
  });

  test('a damaged stat entry, even one naming another file\'s CRDs, is not used and is replaced', () => {
    const { file } = crdFile(3);
    const other = crdFile(1000);
    written.push(crdStatEntry(file)!, crdStatEntry(other.file)!);
    validatorOf(other.file); // caches the CRDs that allow anything
    validatorOf(file);
    const entry = crdStatEntry(file)!;
    const [, checksum] = readFileSync(entry, 'latin1').split(' ');
    writeFileSync(entry, `${sha256(readFileSync(other.file))} ${checksum}`);
    expect(exampleProblems(validatorOf(file), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    expect(readFileSync(entry, 'latin1').split(' ')[0]).toBe(sha256(readFileSync(file)));
  });

  test('a file changed in the last seconds is not indexed: a write in the same clock tick could keep its stat', () => {
    const { file } = crdFile();
    expect(exampleProblems(loadCrds([file]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    expect(existsSync(crdStatEntry(file)!)).toBe(false);
  });
});

describe('the compiled-validator cache', () => {
  /** Two schemas whose generated code has the same length and different limits. */
  const id = unique();
  const schema = (maxLength: number) => ({ description: `cache test ${id}`, type: 'object', properties: { size: { type: 'string', maxLength } } });
  const verdict = (validate: ReturnType<typeof compileSchema>) => [validate({ size: 'four' }), (validate.errors ?? []).map(e => e.message)];

  test('V8\'s code cache for other code of the same length is never used (V8 itself checks only the length)', () => {
    const [three, five] = [cachedValidatorFile(schema(3))!, cachedValidatorFile(schema(5))!];
    written.push(three, five);
    compileSchema(schema(3));
    verdict(compileSchema(schema(3))); // from the generated code: writes V8's cache
    expect(existsSync(`${three}.v8`)).toBe(true);
    compileSchema(schema(5));
    expect(readFileSync(five).length).toBe(readFileSync(three).length);
    copyFileSync(`${three}.v8`, `${five}.v8`);
    expect(verdict(compileSchema(schema(5)))).toEqual([true, []]);
    expect(verdict(compileSchema(schema(3)))).toEqual([false, ['must NOT have more than 3 characters']]);
  });

  test('generated code that is not what its hash line says is never run', () => {
    const file = cachedValidatorFile(schema(3))!;
    compileSchema(schema(3));
    const [header] = readFileSync(file, 'utf8').split('\n', 1);
    writeFileSync(file, `${header}\nmodule.exports = function validate10() { return true; };`);
    rmSync(`${file}.v8`, { force: true });
    expect(verdict(compileSchema(schema(3)))).toEqual([false, ['must NOT have more than 3 characters']]);
    expect(readFileSync(file, 'utf8')).not.toContain('return true;'); // compiled again and replaced
  });
});

test('two runs filling the same entries at once both succeed and leave complete entries, no temporary files', async () => {
  const { file, entry } = crdFile();
  const validatorSchema = { description: `concurrent ${unique()}`, type: 'object', properties: { size: { type: 'string', maxLength: 3 } } };
  const validatorFile = cachedValidatorFile(validatorSchema)!;
  written.push(validatorFile);
  // The compiled library (lib/ is built by the global setup), as two separate CLI runs would load it.
  const script = `const { compileSchema } = require(${JSON.stringify(join(ROOT, 'lib', 'validate', 'compiled-cache.js'))});
const { loadCrds } = require(${JSON.stringify(join(ROOT, 'lib', 'validate', 'load.js'))});
const validate = compileSchema(${JSON.stringify(validatorSchema)});
const report = loadCrds([${JSON.stringify(file)}]).validate([{ object: ${JSON.stringify(exampleObject('Widget', 'long').object)} }]);
process.stdout.write(JSON.stringify([validate({ size: 'long' }), report.problems.length]));`;
  const run = () => new Promise<string>((done, fail) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', chunk => { out += chunk; });
    child.on('error', fail);
    child.on('close', code => (code === 0 ? done(out) : fail(new Error(`exit ${code}`))));
  });
  expect(await Promise.all([run(), run()])).toEqual(['[false,1]', '[false,1]']);
  const leftovers = (dir: string) => readdirSync(dir).filter(name => name.endsWith('.tmp'));
  expect(leftovers(dirname(validatorFile)).filter(name => name.startsWith(basename(validatorFile)))).toEqual([]);
  expect(JSON.parse(readFileSync(entry, 'utf8')).map((listed: { kind: string }) => listed.kind)).toEqual(['Widget', 'Gadget']);
  expect(leftovers(dirname(entry)).filter(name => name.startsWith(basename(entry)))).toEqual([]);
  expect(compileSchema(validatorSchema)({ size: 'long' })).toBe(false);
  expect(exampleProblems(loadCrds([file]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
});

describe('the CEL type-check cache', () => {
  const rules = ['self.size() <= 3', 'self.nope(1)', "self.startsWith('a') || oldSelf == self"];
  const compiled = (compiler: RuleCompiler) => rules.map(rule => {
    const result = compiler.compile(rule);
    return result.kind === 'evaluable' ? [result.kind, result.evaluate('abcd')] : result;
  });

  test('a rule checked once is only parsed later, with the same verdicts; a damaged file only costs the checks', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agw-cel-')), 'checks.json');
    const expected = compiled(new RuleCompiler());
    expect(expected).toEqual([['evaluable', false], { kind: 'unsupported', reason: expect.any(String) }, { kind: 'transition' }]);
    const first = new CachedRuleChecks(file);
    expect(compiled(new RuleCompiler(first))).toEqual(expected);
    first.save();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'self.size() <= 3': null, 'self.nope(1)': (expected[1] as { reason: string }).reason });

    const later = new CachedRuleChecks(file);
    const check = jest.spyOn(Environment.prototype, 'check');
    try {
      expect(compiled(new RuleCompiler(later))).toEqual(expected);
      expect(check).not.toHaveBeenCalled();
      writeFileSync(file, '{"self.size() <= 3": nul');
      expect(compiled(new RuleCompiler(new CachedRuleChecks(file)))).toEqual(expected);
      expect(check).toHaveBeenCalledTimes(2);
    } finally {
      check.mockRestore();
    }
  });

  test('lives beside the installed dependencies, under a key of this package\'s and the engine\'s versions and code', () => {
    const file = (new CachedRuleChecks() as unknown as { file: string }).file;
    expect(dirname(file)).toBe(dirname(crdCacheEntry(Buffer.from(''))!).replace(/crds$/, 'cel'));
    expect(basename(file)).toMatch(/^[0-9a-f]{64}\.json$/);
  });
});
