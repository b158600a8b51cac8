// Preloaded into a CLI run by the bench (`node -r`): prints the process's peak RSS when it exits.
process.on('exit', () => process.stderr.write(`\npeak-rss-kib=${process.resourceUsage().maxRSS}\n`));
