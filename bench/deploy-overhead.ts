// Deploy overhead: everything a deploy spends outside terraform's own processes (manifest, ordering,
// variable hand-over, spawning, output parsing), measured against moto with the offline provider mirror.
// Overhead = wall time of deployStacks − the sum of its terraform process times (DeployResult.steps).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployStacks, findProviderMirror, writeMirrorCliConfig } from '../src/deploy';
import { motoAvailable, startMoto } from '../src/local/moto';
import { loadConfig } from '../stacks/config';
import { synthesize } from '../stacks/synth';
import { summarize, writeResults } from './harness';

async function main(): Promise<void> {
  const mirror = findProviderMirror(process.env);
  if (!motoAvailable() || !mirror) {
    console.warn('SKIPPING deploy overhead benchmark: needs moto_server and the offline aws provider mirror');
    return;
  }
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const moto = await startMoto();
  try {
    const work = mkdtempSync(join(tmpdir(), 'bench-deploy-'));
    const synthStarted = process.hrtime.bigint();
    const config = loadConfig({
      cwd: join(__dirname, '..'),
      env: {},
      overrides: { aws: { region: 'us-east-1', endpoint: moto.url, providerVersion: '5.100.0' }, backend: { type: 'local', dir: join(work, 'state') } },
    });
    const { outdir } = synthesize(config, join(work, 'cdktf.out'));
    const synthMs = Number(process.hrtime.bigint() - synthStarted) / 1e6;
    const env = {
      PATH: process.env.PATH,
      HOME: work,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      TF_CLI_CONFIG_FILE: writeMirrorCliConfig(mirror, join(work, 'terraform.rc')),
    };
    const deployOnce = async () => {
      const started = process.hrtime.bigint();
      const result = await deployStacks({
        outdir,
        mode: 'apply',
        stacks: ['gateway'],
        env,
        ci: false,
        variables: { gateway: { api_client_id: '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' } },
        log: { info: () => undefined, group: (_t, fn) => fn() },
      });
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const terraformMs = result.steps.reduce((sum, s) => sum + s.ms, 0);
      return { wallMs, terraformMs, overheadMs: wallMs - terraformMs, changed: result.stacks[0]!.changed };
    };
    const first = await deployOnce();
    const again = [];
    for (let i = 0; i < runs; i++) again.push(await deployOnce());
    const overhead = summarize(
      'deploy overhead (no-change deploys)',
      again.map((r) => ({ ms: r.overheadMs, rssMb: NaN })),
    );
    const wall = summarize(
      'deploy wall time (no-change deploys)',
      again.map((r) => ({ ms: r.wallMs, rssMb: NaN })),
    );
    console.log(
      `synth ${synthMs.toFixed(0)} ms; first deploy ${first.wallMs.toFixed(0)} ms (terraform ${first.terraformMs.toFixed(0)} ms, ours ${first.overheadMs.toFixed(0)} ms)`,
    );
    console.log(
      `no-change deploys: wall median ${wall.medianMs.toFixed(0)} ms; our overhead median ${overhead.medianMs.toFixed(1)} ms (min ${overhead.minMs.toFixed(1)}, max ${overhead.maxMs.toFixed(1)})`,
    );
    writeResults('deploy-overhead.json', {
      metric: 'deploy-overhead',
      target: { ms: 1000 },
      synthMs,
      firstDeploy: first,
      noChange: { overhead, wall },
      oursTotalMs: synthMs + overhead.medianMs,
    });
  } finally {
    await moto.close();
  }
}

void main();
