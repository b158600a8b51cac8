// Rebuilds lib/ only when a file under src/ is newer than it, so `npm run synth` starts in a fraction of a second
// after `npm ci` (which builds) and still picks up edits.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const newest = dir => readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
  const path = join(dir, entry.name);
  return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
}, 0);

const built = join(root, 'lib', 'main.js');
if (!existsSync(built) || newest(join(root, 'src')) > statSync(built).mtimeMs) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
