// One benchmark size in one process: the library and both baselines on the same manifests, interleaved so they
// share the machine's state. Prints JSON. `measure.js TEAMS --rss VARIANT` runs one variant once and prints its peak RSS;
// `measure.js TEAMS RUNS VARIANT,VARIANT` times only those variants (for a quick A/B while working).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { Manifest, synthApp } from '../src';
import { writeCdk8sYaml } from '../src/core/yaml';
import { parseConfig, planConfig, renderFiles } from '../src/config';
import { buildScaleApp, prepareKeys, scenarioConfigText, scenarioManifests } from './scenario';

export type Variant = 'library' | 'libraryHelper' | 'bareCdk8s' | 'plainYaml' | 'writer' | 'configAdapter';
export const VARIANTS: Variant[] = ['library', 'libraryHelper', 'bareCdk8s', 'plainYaml', 'writer', 'configAdapter'];

/** The config file of the current size, made outside the timed runs. */
let configText = '';

function withOutdir(run: (outdir: string) => void): number {
  const outdir = mkdtempSync(join(tmpdir(), 'agw-bench-'));
  // Start every run from a collected heap, so one variant's garbage is not charged to the next.
  (globalThis as { gc?: () => void }).gc?.();
  const start = performance.now();
  run(outdir);
  const elapsed = performance.now() - start;
  rmSync(outdir, { recursive: true, force: true });
  return elapsed;
}

/** Runs one variant end to end (declare, validate, serialize, write) and returns milliseconds. */
export function runVariant(variant: Variant, teams: number, manifests: Map<string, Manifest[]>): number {
  switch (variant) {
    case 'library':
      return withOutdir(outdir => buildScaleApp(teams, outdir).synth());
    case 'libraryHelper':
      return withOutdir(outdir => synthApp(buildScaleApp(teams, outdir)));
    case 'bareCdk8s':
      return withOutdir(outdir => {
        const app = new App({ outdir });
        for (const [id, docs] of manifests) {
          const chart = new Chart(app, id);
          docs.forEach((doc, i) => new ApiObject(chart, `o${i}`, doc));
        }
        app.synth();
      });
    case 'plainYaml':
      return withOutdir(outdir => {
        for (const [id, docs] of manifests) writeFileSync(join(outdir, `${id}.k8s.yaml`), Yaml.stringify(...docs));
      });
    case 'configAdapter':
      // What `synth gateway.yaml` does before the output folder: parse, plan with the core, render the files.
      return withOutdir(outdir => {
        const files = renderFiles(planConfig(parseConfig(configText, 'gateway.yaml'), { warn: () => undefined }), 'byKind', 'gateway.yaml');
        for (const [file, text] of files) writeFileSync(join(outdir, file), text);
      });
    case 'writer':
      return withOutdir(outdir => {
        for (const [id, docs] of manifests) writeFileSync(join(outdir, `${id}.k8s.yaml`), writeCdk8sYaml(docs));
      });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(): void {
  const [teamsArg, runsArg, variantArg] = process.argv.slice(2);
  const teams = Number(teamsArg);
  prepareKeys(teams);
  const manifests = scenarioManifests(teams);
  configText = scenarioConfigText(teams);
  if (runsArg === '--rss') {
    const variant = variantArg as Variant;
    // The library builds its own manifests; the baselines get them from the core, outside any timing.
    runVariant(variant, teams, variant === 'library' || variant === 'libraryHelper' ? new Map() : manifests);
    console.log(JSON.stringify({ teams, variant, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  const runs = Number(runsArg);
  const variants = variantArg ? variantArg.split(',') as Variant[] : VARIANTS;
  const times = Object.fromEntries(variants.map(v => [v, [] as number[]])) as Record<Variant, number[]>;
  runVariant('library', teams, manifests); // warm-up: JIT and file system caches, not measured
  for (let r = 0; r < runs; r++) {
    for (const variant of variants) times[variant].push(runVariant(variant, teams, manifests));
  }
  const objects = [...manifests.values()].reduce((n, docs) => n + docs.length, 0);
  console.log(JSON.stringify({
    teams, runs, objects,
    medianMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])),
    allMs: times,
  }));
}

if (require.main === module) main();
