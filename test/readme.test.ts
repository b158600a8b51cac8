import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';

import { expectValid, parseYamlDocuments } from './helpers';

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
      paths: { 'agentgateway-constructs': ['src/index.ts'] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program)
      .map(d => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  });

  test('every example runs and writes manifests the CRDs accept', () => {
    for (const code of examples) {
      const outdir = mkdtempSync(join(tmpdir(), 'agw-readme-'));
      const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
        .replace(/require\("agentgateway-constructs"\)/g, `require(${JSON.stringify(join(ROOT, 'src'))})`);
      process.env.CDK8S_OUTDIR = outdir; // where `new App()` writes
      try {
        new Function('require', 'exports', js)(require, {});
      } finally {
        delete process.env.CDK8S_OUTDIR;
      }
      const files = readdirSync(outdir);
      expect(files.length).toBeGreaterThan(0);
      expectValid(files.flatMap(f => parseYamlDocuments(readFileSync(join(outdir, f), 'utf8'))));
    }
  });
});
