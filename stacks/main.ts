// The cdktf app: `cdktf.json` runs it, so `cdktf synth` / `cdktf deploy` work as usual.
// `npm run synth` runs the same file. Config: cdktf.json context → ENTRA_API_GUARD_CONFIG file → env.
import { errorMessage } from '../src/errors';
import { loadConfig } from './config';
import { synthesize } from './synth';

function main(): number {
  const started = process.hrtime.bigint();
  try {
    const config = loadConfig({ cwd: process.cwd(), env: process.env });
    const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
    const result = synthesize(config, outdir);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    for (const stack of result.stacks) {
      for (const warning of stack.warnings) console.warn(`warning: ${stack.name}: ${warning}`);
      console.log(`synthesized ${stack.name} → ${stack.workingDirectory}/cdk.tf.json`);
    }
    console.log(`done in ${ms.toFixed(0)} ms (profile ${config.profile}, cloud ${config.cloud}, token v${config.tokenVersion})`);
    return 0;
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    return 2;
  }
}

process.exitCode = main();
