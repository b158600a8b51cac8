import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeCacheFile, requireWithCodeCache, saveCodeCaches } from '../src/validate/code-cache';

// re2js is compiled with V8's code cache kept beside the dependencies. A cache must only ever speed up the exact
// source it was made from: V8 itself checks no more than the source's length.

const dir = mkdtempSync(join(tmpdir(), 'agw-code-'));
const file = join(dir, 'answer.js');
const written: string[] = [];
afterAll(() => {
  for (const f of written) rmSync(f, { force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** A module whose answer is `n` (one digit: every version has the same length), requiring a neighbour. */
function writeModule(n: number): void {
  writeFileSync(join(dir, 'neighbour.js'), 'exports.name = "neighbour";');
  writeFileSync(file, `const { name } = require('./neighbour');\nexports.answer = () => ${n};\nexports.where = () => [name, __filename];\n`);
}
const load = () => requireWithCodeCache<{ answer(): number; where(): string[] }>(file);
const inode = () => statSync(codeCacheFile(file)!).ino;

test('a module runs as with require; its cache, written after use, starts with the sha256 of its source', () => {
  writeModule(1);
  written.push(codeCacheFile(file)!);
  const module = load();
  expect([module.answer(), module.where()]).toEqual([1, ['neighbour', file]]);
  saveCodeCaches();
  const cache = readFileSync(codeCacheFile(file)!);
  expect(cache.subarray(0, 32).equals(createHash('sha256').update(readFileSync(file, 'utf8')).digest())).toBe(true);
});

test('a cache made from other source of the same length is never used, and is replaced', () => {
  writeModule(1);
  load();
  saveCodeCaches();
  writeModule(2);
  expect(load().answer()).toBe(2);
  saveCodeCaches();
  expect(readFileSync(codeCacheFile(file)!).subarray(0, 32).equals(createHash('sha256').update(readFileSync(file, 'utf8')).digest())).toBe(true);
});

test('a fresh process uses the cache and leaves it; a damaged one only costs the speed-up and is replaced', () => {
  // In one process V8 reuses what it compiled before and never looks at the cache: this needs new processes.
  const run = () => execFileSync(process.execPath, ['-e', `const cache = require(${JSON.stringify(join(__dirname, '..', 'lib', 'validate', 'code-cache.js'))});
const answer = cache.requireWithCodeCache(${JSON.stringify(file)}).answer();
cache.saveCodeCaches();
process.stdout.write(String(answer));`], { encoding: 'utf8' });
  writeModule(3);
  load();
  saveCodeCaches();
  const before = inode();
  expect(run()).toBe('3');
  expect(inode()).toBe(before); // accepted, so not written again
  const cache = readFileSync(codeCacheFile(file)!);
  writeFileSync(codeCacheFile(file)!, Buffer.concat([cache.subarray(0, 32), Buffer.alloc(200, 7)]));
  expect(run()).toBe('3');
  expect(readFileSync(codeCacheFile(file)!).length).toBeGreaterThan(232);
});

test('an unreadable cache only costs the speed-up', () => {
  writeModule(4);
  rmSync(codeCacheFile(file)!, { force: true });
  mkdirSync(codeCacheFile(file)!, { recursive: true }); // reading it fails (EISDIR), as a cache of another user's would
  try {
    expect(load().answer()).toBe(4);
  } finally {
    rmSync(codeCacheFile(file)!, { recursive: true, force: true });
  }
});
