// Run options shared by every benchmark: read once from the command line
// (`node bench/run.mjs --rounds 5`) or the environment (`BENCH_ROUNDS=5`),
// flags winning, so that `npm run bench -- --quick` and CI variables both work.

const DEFAULTS = { rounds: 3, durationSeconds: 5, warmupSeconds: 2, connections: 32 };
// A smoke run: proves every server answers and the report renders, measures nothing worth keeping.
const QUICK = { rounds: 1, durationSeconds: 3, warmupSeconds: 1 };

const NUMERIC_FLAGS = {
  '--rounds': { key: 'rounds', env: 'BENCH_ROUNDS', integer: true },
  '--duration': { key: 'durationSeconds', env: 'BENCH_DURATION', integer: false },
  '--warmup': { key: 'warmupSeconds', env: 'BENCH_WARMUP', integer: false },
  '--connections': { key: 'connections', env: 'BENCH_CONNECTIONS', integer: true },
};

const USAGE = `usage: node bench/run.mjs [--quick] [--rounds N] [--duration S] [--warmup S] [--connections N] [--cpu-prof DIR]
  --quick        1 round of 3 s after a 1 s warm-up; prints the report, leaves RESULTS.md alone
  --rounds N     rounds per benchmark (BENCH_ROUNDS, default ${DEFAULTS.rounds})
  --duration S   measured seconds per target (BENCH_DURATION, default ${DEFAULTS.durationSeconds})
  --warmup S     unmeasured seconds before each measurement (BENCH_WARMUP, default ${DEFAULTS.warmupSeconds})
  --connections N  autocannon connections (BENCH_CONNECTIONS, default ${DEFAULTS.connections})
  --cpu-prof DIR   start the target servers with --cpu-prof into DIR; leaves RESULTS.md alone`;

function parseNumber(raw, name, integer) {
  const value = Number(raw);
  const valid = integer ? Number.isSafeInteger(value) && value > 0 : Number.isFinite(value) && value > 0;
  if (!valid) throw new Error(`${name} must be a positive ${integer ? 'whole number' : 'number'}, got ${JSON.stringify(raw)}\n${USAGE}`);
  return value;
}

/**
 * The options of one benchmark run.
 *
 * @param {string[]} argv - arguments after the script name
 * @param {NodeJS.ProcessEnv} env - the environment
 * @returns {{ quick: boolean, rounds: number, durationSeconds: number, warmupSeconds: number, connections: number, cpuProfileDir: string | undefined, writeResults: boolean }}
 * @example
 * parseOptions(['--quick'], {}); // { quick: true, rounds: 1, durationSeconds: 3, … writeResults: false }
 */
export function parseOptions(argv, env) {
  const options = { ...DEFAULTS, quick: false, cpuProfileDir: undefined };
  for (const { key, env: name, integer } of Object.values(NUMERIC_FLAGS)) {
    if (env[name] !== undefined && env[name] !== '') options[key] = parseNumber(env[name], name, integer);
  }
  const explicit = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--quick') {
      options.quick = true;
    } else if (arg === '--cpu-prof') {
      options.cpuProfileDir = argv[++i];
      if (!options.cpuProfileDir) throw new Error(`--cpu-prof needs a directory\n${USAGE}`);
    } else if (NUMERIC_FLAGS[arg]) {
      const { key, integer } = NUMERIC_FLAGS[arg];
      explicit[key] = parseNumber(argv[++i], arg, integer);
    } else {
      throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  // --quick sets the short defaults; an explicit flag next to it still wins.
  if (options.quick) Object.assign(options, QUICK);
  Object.assign(options, explicit);
  // Figures from a smoke run or a profiled run must never replace the recorded ones.
  options.writeResults = !options.quick && options.cpuProfileDir === undefined;
  return options;
}
