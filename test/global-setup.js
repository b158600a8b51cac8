// Builds lib/ once before any test, so tests that run the compiled CLI or package never race a build.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = () => {
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
};
