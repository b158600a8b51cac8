import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  LOCK_DIR, RECORD_FILE, STAGING_DIR, checkOutputFolder, parseConfig, planConfig, renderFiles,
  writeOutputFolder,
} from '../src/config';
import { Manifest, base64, holdsKeyMaterial, redactManifest, reviewableManifest } from '../src/core';

const ROOT = join(__dirname, '..');
// The module itself, not an import copy, so spies reach the code under test.
const fs = require('node:fs') as typeof import('node:fs');
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `agw-out-${prefix}-`));

/** A repo with a config file and an output folder beside it. */
function repo(prefix: string) {
  const dir = tmp(prefix);
  const config = join(dir, 'gateway.yaml');
  writeFileSync(config, 'teams: []\n');
  return { dir, config, out: join(dir, 'out') };
}

function plan(text: string, layout: 'byKind' | 'byTeam' = 'byTeam') {
  return renderFiles(planConfig(parseConfig(text, 'gateway.yaml'), { env: {}, warn: () => undefined }), layout, 'gateway.yaml');
}

/** Plain generated files, no cdk8s needed: the folder's guarantees do not depend on what the files say. */
function files(names: readonly string[], version = 'v1'): Map<string, string> {
  return new Map(names.map(name => [name, `# generated\nkind: ConfigMap\nmetadata: { name: ${name.replace(/\W/g, '-')} }\ndata: { v: ${version} }\n`]));
}

/** Every file under `dir` (not following links) with its text and mode. */
function snapshotFolder(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else result[rel] = `${(lstatSync(join(dir, rel)).mode & 0o777).toString(8)} ${readFileSync(join(dir, rel), 'utf8')}`;
    }
  };
  walk('');
  return result;
}

/** Rewrites the record's digest, as an attacker editing a pull request would. */
function forgeRecord(out: string, edit: (lines: string[]) => string[]): void {
  const lines = readFileSync(join(out, RECORD_FILE), 'utf8').split('\n').slice(0, -2);
  const body = `${edit(lines).join('\n')}\n`;
  const digest = require('node:crypto').createHash('sha256').update(body).digest('hex');
  writeFileSync(join(out, RECORD_FILE), `${body}digest sha256:${digest}\n`);
}

describe('the output folder', () => {
  test('round trip: synth writes the planned files and its record, check passes, a second synth changes nothing', async () => {
    const { out, config } = repo('roundtrip');
    const planned = files(['a.yaml', 'teams/b.yaml']);
    const result = await writeOutputFolder(out, planned, { configFile: config });
    expect(result).toEqual({ files: ['a.yaml', 'teams/b.yaml'], changed: ['a.yaml', 'teams/b.yaml'], removed: [], foreign: [] });
    expect(checkOutputFolder(out, planned, { configFile: config })).toEqual([]);
    const before = snapshotFolder(out);
    expect((await writeOutputFolder(out, planned, { configFile: config })).changed).toEqual([]);
    expect(snapshotFolder(out)).toEqual(before);
    expect(Object.keys(before).sort()).toEqual([RECORD_FILE, 'a.yaml', 'teams/b.yaml']);
  });


  test('a file larger than the write slices is written and hashed whole, characters across slice ends intact', async () => {
    const { out, config } = repo('large');
    // An emoji (two UTF-16 units) straddling the first 1 MiB slice end, multi-byte characters at the second.
    const text = `# ${'x'.repeat((1 << 20) - 3)}😀é${'y'.repeat((1 << 20) - 4)}€😀\n`;
    const planned = new Map([['big.yaml', text]]);
    await writeOutputFolder(out, planned, { configFile: config });
    expect(readFileSync(join(out, 'big.yaml'), 'utf8')).toBe(text);
    const hash = require('node:crypto').createHash('sha256').update(text).digest('hex');
    expect(readFileSync(join(out, RECORD_FILE), 'utf8')).toContain(`sha256:${hash} big.yaml`);
    expect(checkOutputFolder(out, planned, { configFile: config })).toEqual([]);
  });
  test('containment: a record listing "..", absolute, NUL or backslash paths is an error, and nothing outside is touched', async () => {
    const { dir, out } = repo('contain');
    writeFileSync(join(dir, 'victim.yaml'), 'precious\n');
    await writeOutputFolder(out, files(['a.yaml', 'b.yaml', 'c.yaml']));
    const hash = (text: string) => `sha256:${require('node:crypto').createHash('sha256').update(text).digest('hex')}`;
    for (const path of ['../victim.yaml', join(dir, 'victim.yaml'), 'x\0.yaml', '..\\victim.yaml', 'teams/../../victim.yaml', './a.yaml']) {
      forgeRecord(out, lines => [...lines, `${hash('precious\n')} ${path}`]);
      await expect(writeOutputFolder(out, files(['a.yaml']), { allowMassDelete: true })).rejects.toThrow(/out\/\.agentgateway-constructs-files: line 6: the path .* (contains|is not)/);
      expect(readFileSync(join(dir, 'victim.yaml'), 'utf8')).toBe('precious\n');
      expect(readdirSync(out).sort()).toEqual([RECORD_FILE, 'a.yaml', 'b.yaml', 'c.yaml']);
    }
    // Planned paths pass the same rules.
    await expect(writeOutputFolder(out, files(['../victim.yaml']))).rejects.toThrow('planned file "../victim.yaml" contains "." or ".."');
  });

  test('forged record: an edited record is an error, never an instruction; its hashes guard files it names', async () => {
    const { out } = repo('forged');
    await writeOutputFolder(out, files(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']));
    const before = snapshotFolder(out);
    // A careless edit (no new digest).
    writeFileSync(join(out, RECORD_FILE), readFileSync(join(out, RECORD_FILE), 'utf8').replace(' a.yaml', ' README.yaml'));
    await expect(writeOutputFolder(out, files(['b.yaml']))).rejects.toThrow('was edited or damaged (its digest does not match)');
    expect(checkOutputFolder(out, files(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']))).toContainEqual(expect.stringMatching(/^changed: .*was edited or damaged/));
    // A hand-written file listed with a made-up hash is not removed.
    writeFileSync(join(out, RECORD_FILE), before[RECORD_FILE].slice(4));
    writeFileSync(join(out, 'handwritten.yaml'), 'mine\n');
    forgeRecord(out, lines => [...lines, `sha256:${'0'.repeat(64)} handwritten.yaml`]);
    await expect(writeOutputFolder(out, files(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']))).rejects.toThrow(/handwritten\.yaml changed since synth wrote it/);
    expect(readFileSync(join(out, 'handwritten.yaml'), 'utf8')).toBe('mine\n');
    // check rejects any record that is not exactly synth's, and an older version's plain list.
    expect(checkOutputFolder(out, files(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']))).toContain(`changed: ${RECORD_FILE} is not the record synth would write`);
    writeFileSync(join(out, RECORD_FILE), 'a.yaml\nb.yaml\nc.yaml\n');
    await expect(writeOutputFolder(out, files(['a.yaml']))).rejects.toThrow('has an unknown format');
    // Two spellings of one file, and a huge record.
    writeFileSync(join(out, RECORD_FILE), before[RECORD_FILE].slice(4));
    forgeRecord(out, lines => [...lines, `sha256:${'0'.repeat(64)} A.yaml`]);
    await expect(writeOutputFolder(out, files(['a.yaml']))).rejects.toThrow('A.yaml is listed twice (as a.yaml)');
    writeFileSync(join(out, RECORD_FILE), 'x'.repeat(33 * 1024 * 1024));
    await expect(writeOutputFolder(out, files(['a.yaml']))).rejects.toThrow(/is 34603008 bytes, more than/);
  });

  test('foreign files are never touched: a planned path holding a file synth did not write is an error; --adopt takes it over', async () => {
    const { out, config } = repo('foreign');
    mkdirSync(out);
    writeFileSync(join(out, 'secret.yaml'), 'hand-written\n');
    writeFileSync(join(out, 'notes.yaml'), 'notes\n');
    await expect(writeOutputFolder(out, files(['secret.yaml', 'auth.yaml']), { configFile: config }))
      .rejects.toThrow(`${join(out, 'secret.yaml')} was not written by synth, and synth would write it (--adopt takes it over)`);
    expect(readdirSync(out).sort()).toEqual(['notes.yaml', 'secret.yaml']);
    const result = await writeOutputFolder(out, files(['secret.yaml', 'auth.yaml']), { configFile: config, adopt: true });
    expect(result.foreign).toEqual(['notes.yaml']);
    expect(readFileSync(join(out, 'notes.yaml'), 'utf8')).toBe('notes\n');
    expect(readFileSync(join(out, 'secret.yaml'), 'utf8')).toContain('kind: ConfigMap');
  });

  test('the config file is never an output: --out may not hold it (real paths compared)', async () => {
    const { dir, config } = repo('config');
    await expect(writeOutputFolder(dir, new Map([['gateway.yaml', 'kind: x\n']]), { configFile: config })).rejects.toThrow('holds the config file');
    await expect(writeOutputFolder(join(dir, '.', 'sub', '..'), files(['a.yaml']), { configFile: join(dir, 'gateway.yaml') })).rejects.toThrow('holds the config file');
    expect(readFileSync(config, 'utf8')).toBe('teams: []\n');
    expect(() => checkOutputFolder(dir, files(['a.yaml']), { configFile: config })).toThrow('holds the config file');
  });

  test('symbolic links: never written or removed through, whether --out, a sub-folder or a file', async () => {
    const { dir, out } = repo('links');
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'x.yaml'), 'outside\n');
    symlinkSync(outside, join(dir, 'linked-out'));
    await expect(writeOutputFolder(join(dir, 'linked-out'), files(['x.yaml']))).rejects.toThrow('is a symbolic link');
    await writeOutputFolder(out, files(['a.yaml']));
    symlinkSync(outside, join(out, 'teams'));
    await expect(writeOutputFolder(out, files(['a.yaml', 'teams/x.yaml']))).rejects.toThrow(`${join(out, 'teams')} is a symbolic link`);
    symlinkSync(join(outside, 'x.yaml'), join(out, 'b.yaml'));
    await expect(writeOutputFolder(out, files(['a.yaml', 'b.yaml']))).rejects.toThrow(`${join(out, 'b.yaml')} is a symbolic link`);
    expect(readFileSync(join(outside, 'x.yaml'), 'utf8')).toBe('outside\n');
    expect(checkOutputFolder(out, files(['a.yaml']))).toEqual([
      'extra: b.yaml (a symbolic link; it would reach the cluster)', 'extra: teams (a symbolic link; it would reach the cluster)']);
  });

  test('check sees everything: changed, missing and extra files (a backdoor key Secret) fail it', async () => {
    const { out } = repo('extra');
    const planned = files(['a.yaml', 'b.yaml', 'teams/c.yaml']);
    await writeOutputFolder(out, planned);
    writeFileSync(join(out, 'teams', 'backdoor.yaml'), stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', labels: { 'api-key-group': 'llm-users' } }, data: { k: base64('backdoor') } }));
    fs.rmSync(join(out, 'b.yaml'));
    writeFileSync(join(out, 'a.yaml'), planned.get('a.yaml')!.replace('v1', 'v2'));
    const problems = checkOutputFolder(out, planned);
    expect(problems.map(p => p.split('\n')[0])).toEqual([
      'changed: a.yaml', 'missing: b.yaml (synth would write it)', 'extra: teams/backdoor.yaml (synth did not produce it; it would reach the cluster)']);
  });

  test('no silent mass deletion: no objects is an error; removing all or most files needs --allow-mass-delete', async () => {
    const { out, config } = repo('mass');
    await expect(writeOutputFolder(out, new Map(), { configFile: config })).rejects.toThrow(`${config}:1:1: the config yields no objects`);
    expect(existsSync(out)).toBe(false);
    const names = ['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml', 'e.yaml', 'f.yaml'];
    await writeOutputFolder(out, files(names));
    await expect(writeOutputFolder(out, files(['a.yaml', 'b.yaml']))).rejects.toThrow(
      'nothing written: synth would remove 4 of the 6 files it wrote before (c.yaml, d.yaml, e.yaml, f.yaml). If that is intended');
    await expect(writeOutputFolder(out, files(['new.yaml']))).rejects.toThrow('synth would remove 6 of the 6 files');
    expect(readdirSync(out).sort()).toEqual([RECORD_FILE, ...names]);
    // A few at a time is normal work.
    expect((await writeOutputFolder(out, files(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']))).removed).toEqual(['e.yaml', 'f.yaml']);
    expect((await writeOutputFolder(out, files(['z.yaml']), { allowMassDelete: true })).removed).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']);
    expect(readdirSync(out).sort()).toEqual([RECORD_FILE, 'z.yaml']);
  });

  test('a write error half-way leaves the old state, or a state check rejects and the next synth repairs', async () => {
    const { out } = repo('eacces');
    const old = files(['a.yaml', 'b.yaml', 'teams/c.yaml']);
    const next = files(['a.yaml', 'b.yaml', 'teams/d.yaml'], 'v2');
    await writeOutputFolder(out, old);
    const clean = snapshotFolder(out);
    const eacces = () => Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    // While staging: the old files are untouched.
    const realWrite = fs.writeFileSync;
    let writes = 0;
    const staging = jest.spyOn(fs, 'writeFileSync').mockImplementation((...args: Parameters<typeof fs.writeFileSync>) => {
      if (++writes === 2) throw eacces();
      return realWrite(...args);
    });
    await expect(writeOutputFolder(out, next)).rejects.toThrow('EACCES');
    staging.mockRestore();
    expect(snapshotFolder(out)).toEqual(clean);
    expect(checkOutputFolder(out, old)).toEqual([]);
    // While moving files in: check rejects, the next synth repairs.
    let renames = 0;
    const realRename = fs.renameSync;
    const rename = jest.spyOn(fs, 'renameSync').mockImplementation((from: import('node:fs').PathLike, to: import('node:fs').PathLike) => {
      if (!String(to).includes(STAGING_DIR) && ++renames === 2) throw eacces();
      return realRename(from, to);
    });
    await expect(writeOutputFolder(out, next)).rejects.toThrow(/synth failed half-way \(EACCES.*marked as interrupted/);
    rename.mockRestore();
    expect(checkOutputFolder(out, next)).toContain(`interrupted: ${RECORD_FILE} says a synth did not finish`);
    expect(checkOutputFolder(out, old)).toContain(`interrupted: ${RECORD_FILE} says a synth did not finish`);
    await writeOutputFolder(out, next);
    const fresh = repo('eacces-clean');
    await writeOutputFolder(fresh.out, next);
    expect(snapshotFolder(out)).toEqual(snapshotFolder(fresh.out));
  });

  test('two synths into one folder: the second fails at once; a lock left by a killed synth goes stale', async () => {
    const { out } = repo('lock');
    const many = files(Array.from({ length: 600 }, (_, i) => `teams/t${i}.yaml`));
    const results = await Promise.allSettled([writeOutputFolder(out, many), writeOutputFolder(out, many)]);
    expect(results.map(r => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find(r => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(/^another synth is writing to .*out \(it holds .*\.agentgateway-constructs\.lock\)/);
    expect(checkOutputFolder(out, many)).toEqual([]);
    // A killed synth's lock: refused while fresh (check says so), taken over once stale.
    mkdirSync(join(out, LOCK_DIR));
    await expect(writeOutputFolder(out, many)).rejects.toThrow('another synth is writing');
    expect(checkOutputFolder(out, many)).toEqual([`locked: ${LOCK_DIR} (a synth is running, or was killed before it finished)`]);
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(out, LOCK_DIR), past, past);
    await writeOutputFolder(out, many);
    expect(existsSync(join(out, LOCK_DIR))).toBe(false);
  });

  test('files holding plaintext key material are written 0600, the others 0644', async () => {
    const { out } = repo('modes');
    const planned = plan('settings: { allowPlaintextKeys: true }\nauth: { keySelection: { labels: { g: u } } }\nteams:\n  - { team: t1, key: { literal: fixture-t1-key-0123456789abcdef }, metadata: { x-org: o1 } }\n', 'byKind');
    expect([...planned.keyMaterial]).toEqual(['secret.yaml']);
    await writeOutputFolder(out, planned, { privateFiles: planned.keyMaterial });
    const modes = Object.fromEntries(readdirSync(out).map(f => [f, (lstatSync(join(out, f)).mode & 0o777).toString(8)]));
    expect(modes).toEqual({ [RECORD_FILE]: '644', 'authconfig.yaml': '644', 'enterpriseagentgatewaypolicy.yaml': '644', 'secret.yaml': '600' });
  });

  test('the kill test: SIGKILL `synth` of 5 200 teams at random moments; check fails or the folder is clean, the next synth repairs', async () => {
    // Real configs through the real CLI: one file per team, every team's file changing between versions.
    const config = (count: number, version: string) => [
      'output: { layout: byTeam }',
      'routes: [{ provider: openai }]',
      'teams:',
      ...Array.from({ length: count }, (_, i) => `  - { team: team${i}, key: { externalSecret: { storeName: vault, remoteKey: llm/team${i}-${version} } }, metadata: { x-org: org${i} } }`),
      '',
    ].join('\n');
    const work = tmp('kill');
    const out = join(work, 'out');
    const configs = { old: config(5000, 'old'), next: config(5200, 'new'), smaller: config(2000, 'new') };
    for (const [name, text] of Object.entries(configs)) writeFileSync(join(work, `${name}.yaml`), text);
    const cliArgs = (command: string, name: string, ...flags: string[]) => [join(ROOT, 'lib', 'cli.js'), command, `${name}.yaml`, '--out', 'out', ...flags];
    const run = (command: string, name: string, ...flags: string[]) => spawnSync(process.execPath, cliArgs(command, name, ...flags), { cwd: work, encoding: 'utf8' });
    const synth = (name: string): ChildProcess => spawn(process.execPath, cliArgs('synth', name, '--allow-mass-delete'), { cwd: work, stdio: 'ignore' });

    // Planned once in-process, for the folder set-up and the checks; the runs under test are the CLI's.
    const planned = Object.fromEntries(Object.entries(configs).map(([name, text]) => [name,
      renderFiles(planConfig(parseConfig(text, `${name}.yaml`), { env: {}, warn: () => undefined }), 'byTeam', `${name}.yaml`)]));
    await writeOutputFolder(out, planned.old);
    // One uninterrupted synth over the old output: how long it takes, and that it ends clean.
    const started = Date.now();
    const first = synth('next');
    expect(await new Promise(resolve => first.on('exit', resolve))).toBe(0);
    const duration = Date.now() - started;
    expect(checkOutputFolder(out, planned.next)).toEqual([]);
    await writeOutputFolder(out, planned.smaller, { allowMassDelete: true });

    const outcomes: string[] = [];
    for (let kill = 0; kill < 3; kill++) {
      // Each killed synth writes over the previous output (2 000 teams), adding 3 200 teams and changing the rest;
      // the kills spread over the whole run, from planning to the last rename.
      const writer = synth('next');
      const exited = new Promise(resolve => writer.on('exit', resolve));
      await new Promise(resolve => setTimeout(resolve, ((kill + Math.random()) / 3) * duration));
      writer.kill('SIGKILL');
      await exited;
      // check sees everything: it passes only when the folder is exactly a clean synth's.
      const problems = checkOutputFolder(out, planned.next);
      outcomes.push(problems.length === 0 ? 'clean' : 'rejected');
      if (problems.length === 0) expect(readdirSync(join(out, 'teams'))).toHaveLength(5200);
      // The next synth (once the killed one's lock is stale) is a smaller config: nothing the killed one wrote stays.
      if (existsSync(join(out, LOCK_DIR))) utimesSync(join(out, LOCK_DIR), new Date(0), new Date(0));
      const repair = run('synth', 'smaller', '--allow-mass-delete');
      expect(repair.stderr).toBe('');
      expect(repair.status).toBe(0);
      expect(checkOutputFolder(out, planned.smaller)).toEqual([]);
      expect(readdirSync(join(out, 'teams'))).toHaveLength(2000);
    }
    expect(outcomes).toHaveLength(3);
  }, 180_000);
});

describe('check diffs are redacted and honest', () => {
  const KEYS = ['fixture-ext-0123456789abcdef', 'fixture-builtin-0123456789abcdef', 'fixture-hashed-0123456789abcdef',
    'fixture-ext2-0123456789abcdef', 'fixture-builtin2-0123456789abcdef', 'fixture-provider-0123456789abcdef'];
  const config = (ext: string, builtIn: string, hashed: string) => ({
    ext: `settings: { allowPlaintextKeys: true }\nauth: { keySelection: { labels: { g: u } }, headersFromMetadata: [{ header: x-org }] }\nteams:\n  - { team: t1, key: { literal: ${ext} }, metadata: { x-org: org-one } }\n`,
    builtIn: `settings: { allowPlaintextKeys: true }\nauth: { mode: builtIn, keySelection: { labels: { g: u } }, headersFromMetadata: [{ header: x-org }] }\nteams:\n  - { team: t1, key: { literal: ${builtIn} }, metadata: { x-org: org-one } }\n`,
    hashed: `settings: { allowPlaintextKeys: true }\nauth: { mode: builtIn, builtIn: { hashedKeys: true }, keySelection: { labels: { g: u } } }\nteams:\n  - { team: t1, key: { literal: ${hashed} }, metadata: { x-org: org-one } }\n`,
  });

  test('leak scan: no key, its base64 or the base64 of any key-bearing entry appears in check output, in any mode', async () => {
    const before = config(KEYS[0], KEYS[1], KEYS[2]);
    const after = config(KEYS[3], KEYS[4], KEYS[2].replace('hashed', 'hashed2'));
    const needles = new Set<string>();
    const output: string[] = [];
    for (const mode of ['ext', 'builtIn', 'hashed'] as const) {
      const { out } = repo(`leak-${mode}`);
      const committed = plan(before[mode]);
      await writeOutputFolder(out, committed);
      // A reviewer-visible change next to the key change, and a committed extra file holding a key.
      const planned = plan(after[mode].replace('org-one', 'org-two'));
      writeFileSync(join(out, 'extra.yaml'), readFileSync(join(out, 'teams', 't1.yaml')));
      output.push(...checkOutputFolder(out, planned));
      for (const text of [...committed.values(), ...planned.values()]) {
        for (const doc of require('yaml').parseAllDocuments(text).map((d: { toJS(): Manifest }) => d.toJS())) {
          if (doc.kind !== 'Secret') continue;
          for (const [entry, value] of Object.entries(doc.data as Record<string, string>)) {
            if (entry !== 'x-org') needles.add(value);
          }
        }
      }
    }
    // An inline provider key in a backend.
    const { out } = repo('leak-backend');
    const backend = (key: string) => new Map([['backend.yaml', stringify({ apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayBackend', metadata: { name: 'openai' }, spec: { policies: { auth: { key } } } })]]);
    await writeOutputFolder(out, backend(KEYS[5]));
    output.push(...checkOutputFolder(out, backend(`${KEYS[5]}-rotated`)));
    const text = output.join('\n');
    for (const key of KEYS) for (const needle of [key, base64(key)]) needles.add(needle);
    expect(needles.size).toBeGreaterThanOrEqual(KEYS.length * 2 + 2);
    for (const needle of needles) expect(text).not.toContain(needle);
    expect(text).not.toMatch(/fixture-/);
    // What a reviewer needs is there: who gets what, decoded.
    expect(text).toMatch(/^-\s+x-org: org-one$/m);
    expect(text).toMatch(/^\+\s+x-org: org-two$/m);
    expect(text).toContain('"x-org":"org-two"');
    expect(text).toContain('changed: backend.yaml differs only in key material (not shown)');
  }, 120_000);

  test('the summary line is truthful: a comment-only edit is not "key material"', async () => {
    const { out } = repo('comment');
    const planned = plan(config(KEYS[0], KEYS[1], KEYS[2]).ext);
    await writeOutputFolder(out, planned);
    writeFileSync(join(out, 'teams', 't1.yaml'), `# a note\n${planned.get('teams/t1.yaml')}`);
    expect(checkOutputFolder(out, planned)).toEqual(['changed: teams/t1.yaml differs only in comments or formatting (synth would rewrite it)']);
    const unreadable = ['changed: teams/t1.yaml is not valid YAML, or expands aliases too far (synth would rewrite it; not shown, it may hold keys)'];
    writeFileSync(join(out, 'teams', 't1.yaml'), 'kind: [\n');
    expect(checkOutputFolder(out, planned)).toEqual(unreadable);
    // An alias bomb committed in a pull request is listed, not expanded.
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) bomb.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    writeFileSync(join(out, 'teams', 't1.yaml'), `${bomb.join('\n')}\n`);
    expect(checkOutputFolder(out, planned)).toEqual(unreadable);
  });

  test('redaction in the core: every key format redacted, hashes and metadata kept, Secret data decoded for review', () => {
    const builtIn: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't1' }, type: 'Opaque',
      data: { t1: base64(JSON.stringify({ key: KEYS[1], metadata: { 'x-org': 'org-one' } })), plain: base64(KEYS[4]) } };
    expect(redactManifest(builtIn).data).toEqual({ t1: '<redacted>', plain: '<redacted>' });
    expect(reviewableManifest(builtIn)['data (decoded for review)']).toEqual({ t1: { key: '<redacted>', metadata: { 'x-org': 'org-one' } }, plain: '<redacted>' });
    const ext: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't1' }, type: 'extauth.solo.io/apikey',
      data: { 'api-key': base64(KEYS[0]), 'x-org': base64('org-one') }, stringData: { 'api-key': KEYS[3] } };
    expect(redactManifest(ext)).toMatchObject({ data: { 'api-key': '<redacted>', 'x-org': base64('org-one') }, stringData: { 'api-key': '<redacted>' } });
    expect(reviewableManifest(ext)['data (decoded for review)']).toEqual({ 'api-key': '<redacted>', 'x-org': 'org-one' });
    const hashed: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 't1' }, data: { t1: JSON.stringify({ keyHash: `sha256:${'a'.repeat(64)}`, metadata: {} }) } };
    expect(redactManifest(hashed)).toBe(hashed);
    expect(reviewableManifest(hashed)).toEqual(hashed);
    // The cheap test renderFiles uses to write a file 0600 agrees with redaction on every shape.
    const stray: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 't2' }, data: { t2: JSON.stringify({ key: KEYS[2] }) } };
    const backend: Manifest = { apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayBackend', metadata: { name: 'b' }, spec: { policies: { auth: { key: KEYS[2] } } } };
    const odd: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: { plain: 'not base64!' } };
    const metadataOnly: Manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'm' }, type: 'extauth.solo.io/apikey', data: { 'x-org': base64('o') } };
    for (const m of [builtIn, ext, hashed, stray, backend, odd, metadataOnly, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } } as Manifest]) {
      expect(holdsKeyMaterial(m)).toBe(redactManifest(m) !== m);
    }
    expect([builtIn, ext, hashed, stray, backend, odd, metadataOnly].map(holdsKeyMaterial)).toEqual([true, true, false, true, true, true, false]);
  });
});

describe('check is proportional to the change', () => {
  const doc = (i: number, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  v: ${value}\n`;
  const stream = (count: number, value: (i: number) => string) => `# generated\n${Array.from({ length: count }, (_, i) => doc(i, value(i))).join('---\n')}`;

  test('one changed document in a large file is the whole diff; added and removed documents are shown too', async () => {
    const { out } = repo('proportional');
    const committed = new Map([['big.yaml', stream(2_000, () => 'same')]]);
    await writeOutputFolder(out, committed);
    const [changed] = checkOutputFolder(out, new Map([['big.yaml', stream(2_000, i => (i === 1_000 ? 'new' : 'same'))]]))
      .filter(p => p.startsWith('changed: big.yaml'));
    expect(changed).toMatch(/^-\s+v: same$/m);
    expect(changed).toMatch(/^\+\s+v: new$/m);
    expect(changed.match(/^@@/gm)).toHaveLength(1);
    expect(changed).toMatch(/^\s+name: cm-1000$/m); // the changed document whole, so whose it is shows
    expect(changed).not.toContain('cm-10\n'); // and no other document
    const shorter = checkOutputFolder(out, new Map([['big.yaml', stream(1_999, () => 'same')]])).find(p => p.startsWith('changed: big.yaml'));
    expect(shorter).toMatch(/^-\s+name: cm-1999$/m);
    const edited = `${committed.get('big.yaml')!.replace('# generated\n', '# generated\n# a note\n')}`;
    writeFileSync(join(out, 'big.yaml'), edited);
    expect(checkOutputFolder(out, committed)).toContain('changed: big.yaml differs only in comments or formatting (synth would rewrite it)');
  });

  test('changes spread over a large file are diffed document by document, and at most 50 documents are shown', async () => {
    const { out } = repo('spread');
    await writeOutputFolder(out, new Map([['big.yaml', stream(2_000, () => 'same')]]));
    const [changed] = checkOutputFolder(out, new Map([['big.yaml', stream(2_000, i => (i % 10 === 5 ? 'new' : 'same'))]]))
      .filter(p => p.startsWith('changed: big.yaml'));
    expect(changed.split('\n')[0]).toBe('changed: big.yaml (200 committed and 200 planned documents differ; the first 50 of each are shown)');
    expect(changed.match(/^\+\s+v: new$/gm)).toHaveLength(50);
    expect(changed).toMatch(/^\s+name: cm-5$/m);
    expect(changed).not.toMatch(/^\s+name: cm-(4|6|10)$/m); // unchanged documents between the changes are left out
  });

  test('a real change is shown even behind many reformatted documents; a reordering is named', async () => {
    const { out } = repo('hidden');
    const planned = stream(200, i => (i === 150 ? 'evil' : 'same'));
    // Every committed document is written differently (quoted) but reads the same, except the 151st.
    await writeOutputFolder(out, new Map([['big.yaml', stream(200, () => '"same"')]]));
    const [changed] = checkOutputFolder(out, new Map([['big.yaml', planned]])).filter(p => p.startsWith('changed: big.yaml'));
    expect(changed.split('\n')[0]).toBe('changed: big.yaml');
    expect(changed).toMatch(/^\+\s+v: evil$/m);
    const reordered = `# generated\n${doc(1, 'same')}---\n${doc(0, 'same')}`;
    await writeOutputFolder(out, new Map([['big.yaml', `# generated\n${doc(0, 'same')}---\n${doc(1, 'same')}`]]), { adopt: true });
    expect(checkOutputFolder(out, new Map([['big.yaml', reordered]]))).toContain('changed: big.yaml holds the same documents in another order (synth would rewrite it)');
  });
});
