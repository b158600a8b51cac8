import fc from 'fast-check';

// Property tests start from a fixed seed, so a run (and CI) is reproducible; FUZZ_SEED=<number> replays a reported
// failure and FUZZ_SEED=random explores new inputs.
const given = process.env.FUZZ_SEED;
if (given !== 'random') fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(given ?? 20261127) });
