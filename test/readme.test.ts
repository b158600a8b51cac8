import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';

import { expectValid, fixtureKeyText, parseYamlDocuments, unwrapPulumiSecrets } from './helpers';

const ROOT = join(__dirname, '..');
const OUT = join(__dirname, '.readme');

/** The README's ```ts blocks, so its examples cannot drift from the code. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(m => m[1]);
}

describe('README examples', () => {
  const examples = readmeExamples();

  test('there is at least one TypeScript example', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  test('every example type-checks against the package, imported by its published name', () => {
    mkdirSync(OUT, { recursive: true });
    const files = examples.map((code, i) => {
      const file = join(OUT, `example-${i}.ts`);
      writeFileSync(file, code);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10, types: ['node'], baseUrl: ROOT,
      paths: {
        'agentgateway-constructs': ['src/index.ts'],
        'agentgateway-constructs/pulumi': ['src/pulumi/index.ts'],
        'agentgateway-constructs/config': ['src/config/index.ts'],
      },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program)
      .map(d => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  });

  test('every example runs and writes manifests the CRDs accept', () => {
    for (const code of examples.filter(c => !c.includes("'agentgateway-constructs/pulumi'"))) {
      const outdir = mkdtempSync(join(tmpdir(), 'agw-readme-'));
      const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
        .replace(/require\("agentgateway-constructs"\)/g, `require(${JSON.stringify(join(ROOT, 'src'))})`)
        .replace(/require\("agentgateway-constructs\/config"\)/g, `require(${JSON.stringify(join(ROOT, 'src', 'config'))})`);
      process.env.CDK8S_OUTDIR = outdir; // where `new App()` writes; examples without cdk8s write to ./dist
      const cwd = process.cwd();
      process.chdir(mkdtempSync(join(tmpdir(), 'agw-readme-cwd-')));
      const dist = join(process.cwd(), 'dist');
      try {
        new Function('require', 'exports', js)(require, {});
      } finally {
        delete process.env.CDK8S_OUTDIR;
        process.chdir(cwd);
      }
      const files = [...readdirSync(outdir).map(f => join(outdir, f)),
        ...(existsSync(dist) ? readdirSync(dist, { recursive: true, encoding: 'utf8' }).map(f => join(dist, f)).filter(f => f.endsWith('.yaml')) : [])];
      expect(files.length).toBeGreaterThan(0);
      expectValid(files.flatMap(f => parseYamlDocuments(readFileSync(f, 'utf8'))));
    }
  });
});

describe('README Pulumi examples', () => {
  const examples = readmeExamples().filter(c => c.includes("'agentgateway-constructs/pulumi'"));

  test('run under Pulumi mocks and declare Kubernetes objects the CRDs accept', async () => {
    expect(examples.length).toBeGreaterThan(0);
    const pulumi = await import('@pulumi/pulumi');
    const objects: unknown[] = [];
    await pulumi.runtime.setMocks({
      newResource: args => {
        if (args.type.startsWith('kubernetes:')) objects.push(args.inputs);
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: args => args.inputs,
    }, 'readme', 'test', false, 'org');
    // Config secrets the example reads.
    pulumi.runtime.setAllConfig({ 'readme:platformKey': fixtureKeyText('platform'), 'readme:researchKey': fixtureKeyText('research') },
      ['readme:platformKey', 'readme:researchKey']);
    const src = join(ROOT, 'src', 'pulumi');
    (await import('../src/pulumi')).configureStack({ warn: () => undefined });
    for (const code of examples) {
      const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
        .replace(/require\("agentgateway-constructs\/pulumi"\)/g, `require(${JSON.stringify(src)})`);
      new Function('require', 'exports', js)(require, {});
    }
    // Registrations complete asynchronously: wait for the 14 objects the examples declare (routes, keys, AuthConfig,
    // policy and identity strip policy; the budgets example's route, hashed key, policies and its route's policy).
    for (let waited = 0; objects.length < 14 && waited < 10_000; waited += 20) await new Promise(resolve => setTimeout(resolve, 20));
    expect(objects.length).toBe(2 * 2 + 2 + 3 + (2 + 1 + 2 + 1));
    expectValid(objects.map(o => unwrapPulumiSecrets(o)));
  });
});
