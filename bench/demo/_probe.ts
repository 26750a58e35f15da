/**
 * The outside probe of stall.ts, a process of its own as a monitor is: `GET <url>/healthz` every
 * 10 ms, each on a new connection (as curl or a load balancer's health check opens one), its
 * wait measured from before the connection opens to the last byte. Asked `{ type: 'since', from }`
 * (epoch ms), it answers the waits of the probes sent from then on; `{ type: 'close' }` ends it.
 */
import { request } from 'node:http';

const url = new URL('/healthz', process.argv[2]);
const everyMs = Number(process.argv[3] ?? 10);
const waits: Array<{ at: number; ms: number }> = [];
let running = true;

/** One probe on a connection of its own (no agent: nothing kept alive, nothing queued). */
const probe = () =>
  new Promise<void>((resolve) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });

const done = (async () => {
  while (running) {
    const at = Date.now();
    const started = performance.now();
    await probe();
    const ms = performance.now() - started;
    waits.push({ at, ms });
    const rest = everyMs - ms;
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  }
})();

process.on('message', async (message: { type: string; from?: number }) => {
  if (message.type === 'since') {
    process.send!({ waits: waits.filter((w) => w.at >= message.from!).map((w) => w.ms) });
  } else if (message.type === 'close') {
    running = false;
    await done;
    process.exit(0);
  }
});
process.send!({ ready: true });
