// moto_server on a port that cannot race (issue [6] item 5): moto binds port 0 and names the port it got.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { motoAvailable, startMoto } from '../../src/local/moto';

const available = motoAvailable();
if (!available) console.warn('SKIPPING moto start tests: moto_server is not on PATH (pip install "moto[server]")');

(available ? describe : describe.skip)(`startMoto${available ? '' : ' (skipped: moto_server is not on PATH; pip install "moto[server]")'}`, () => {
  /**
   * moto_server behind a stand-in for a busy machine: whatever port it is handed, another program
   * takes first (as one may between a free-port check and moto's own bind).
   */
  function motoOnABusyMachine(): string {
    const dir = mkdtempSync(join(tmpdir(), 'busy-moto-'));
    const script = join(dir, 'moto_server');
    writeFileSync(
      script,
      [
        `#!${process.execPath}`,
        "const { spawn } = require('node:child_process');",
        "const port = Number(process.argv[process.argv.indexOf('-p') + 1]);",
        "const moto = () => spawn('moto_server', process.argv.slice(2), { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 1));",
        "if (port === 0) moto(); else require('node:net').createServer().listen(port, '127.0.0.1', moto);",
      ].join('\n'),
    );
    chmodSync(script, 0o755);
    return script;
  }

  test('a port taken by another program in the meantime cannot stop it (regression: the old free-port check raced)', async () => {
    const moto = await startMoto({ command: motoOnABusyMachine() });
    try {
      const answer = await fetch(`${moto.url}/moto-api/`);
      expect(answer.status).toBe(200);
      expect(moto.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    } finally {
      await moto.close();
    }
  });

  test('two at once get two ports, and each stops with close()', async () => {
    const [a, b] = await Promise.all([startMoto(), startMoto()]);
    expect(a.url).not.toBe(b.url);
    await Promise.all([a.close(), b.close()]);
    await expect(fetch(`${a.url}/moto-api/`)).rejects.toThrow();
  });

  test('a command that is not there is one line naming the install', async () => {
    await expect(startMoto({ command: 'moto_server_not_here' })).rejects.toMatchObject({
      code: 'ERR_MOTO_MISSING',
      message: 'moto_server: got "moto_server_not_here", which is not on PATH; expected moto installed (pip install "moto[server]")',
    });
  });
});
