#!/usr/bin/env node
// `npm start`: runs Stepwise (SQLite, demo user, demo client) and the demo
// bank side by side, prints where to go, and stops both on Ctrl-C. If either
// process dies, the other is stopped too, so nothing is left listening.
import { spawn } from 'node:child_process';

const stepwisePort = process.env.STEPWISE_PORT || '3000';
const bankPort = process.env.BANK_PORT || '3001';
const issuer = process.env.STEPWISE_ISSUER || `http://localhost:${stepwisePort}`;
const bankUrl = process.env.STEPWISE_DEMO_BANK_URL || `http://localhost:${bankPort}`;

const env = {
  ...process.env,
  STEPWISE_PORT: stepwisePort,
  STEPWISE_ISSUER: issuer,
  STEPWISE_DEMO_BANK_URL: bankUrl,
  BANK_PORT: bankPort,
};

const children = [
  spawn(process.execPath, ['packages/cli/dist/src/bin.js', 'serve', '--demo'], { env, stdio: 'inherit' }),
  spawn(process.execPath, ['examples/bank/dist/src/main.js'], { env, stdio: 'inherit' }),
];

let stopping = false;
function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}

for (const child of children) {
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n  ${child.spawnargs.slice(1).join(' ')} stopped (${signal ?? `exit ${code}`}); stopping the other process.`);
      process.exitCode = code || 1;
    }
    stopAll('SIGTERM');
  });
}
process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));

async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

// Both print their own banners; this one says where to start once both answer.
for (let tries = 0; tries < 100 && !stopping; tries++) {
  if ((await answers(`${issuer}/.well-known/openid-configuration`)) && (await answers(bankUrl))) {
    console.log(`\n  Ready. Open the demo bank at ${bankUrl} and sign in as demo / stepwise-demo.`);
    console.log('  "Transfer 5,000" asks for a step-up: add an authenticator app when Stepwise offers it.\n');
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
