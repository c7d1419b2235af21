/**
 * `npm run fake-gewe`: a fake Gewe server for local trials.
 *
 *   FAKE_GEWE_PORT   (default 2531)      FAKE_GEWE_DOWNLOAD_PORT (default FAKE_GEWE_PORT + 1: 2532, as Gewechat)
 *   FAKE_GEWE_HOST   (default 0.0.0.0)   FAKE_GEWE_MODE (free | paid, default free)
 *   FAKE_GEWE_TOKEN  (default: random)   FAKE_GEWE_QR_TTL_MS (default 240000)
 *   FAKE_GEWE_QUIET=1 hides the per-call log (what the robot sends is always printed)
 *
 * Texts the robot sends come back to its callback URL as Gewe's self-sync messages, so the console lists them.
 */
import { randomUUID } from 'node:crypto';
import { FakeGewe, type FakeGeweMode } from './fake-gewe';

async function main(): Promise<void> {
  const port = Number(process.env.FAKE_GEWE_PORT ?? 2531);
  const host = process.env.FAKE_GEWE_HOST || '0.0.0.0';
  const token = process.env.FAKE_GEWE_TOKEN || randomUUID();
  const mode: FakeGeweMode = process.env.FAKE_GEWE_MODE === 'paid' ? 'paid' : 'free';
  const qrTtlMs = process.env.FAKE_GEWE_QR_TTL_MS ? Number(process.env.FAKE_GEWE_QR_TTL_MS) : undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`FAKE_GEWE_PORT is not a port: ${port}`);
  const downloadPort = process.env.FAKE_GEWE_DOWNLOAD_PORT
    ? Number(process.env.FAKE_GEWE_DOWNLOAD_PORT)
    : port === 0
      ? 0
      : port + 1;
  if (!Number.isInteger(downloadPort) || downloadPort < 0 || downloadPort > 65535)
    throw new Error(`FAKE_GEWE_DOWNLOAD_PORT is not a port: ${downloadPort}`);

  const quiet = process.env.FAKE_GEWE_QUIET === '1';
  const stamp = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const fake = new FakeGewe({
    mode,
    qrTtlMs,
    tokens: [token],
    log: quiet ? undefined : stamp,
    logSends: stamp,
    syncSends: true,
  });
  const { baseUrl, downloadUrl, controlUrl } = await fake.start(port, host, { downloadPort });
  const c = controlUrl;
  const json = "-H 'content-type: application/json'";

  console.log(`Fake Gewe (${mode} mode) listening on ${host}:${new URL(baseUrl).port}

  base URL      ${baseUrl}
  download URL  ${downloadUrl}
  control URL   ${controlUrl}
  token         ${token}
${host === '0.0.0.0' || host === '::' ? "\n  (listening on every interface: from a container use this host's LAN or bridge IP)\n" : ''}
Log in: start the robot's QR login in the console (or POST /api/robots/{id}/login), then "scan" it:
  curl -s -X POST ${c}/confirm                          # scan + confirm the only QR code waiting
  curl -s ${json} -d '{"appId":"wx_…"}' ${c}/scan         # or step by step, naming the device (GET ${c}/state)
  curl -s ${json} -d '{"appId":"wx_…","account":{"nickName":"My Bot"}}' ${c}/confirm
  curl -s ${json} -d '{"code":"123456"}' ${c}/captcha     # make the login ask for a security code
Write to the robot (a fresh AddMsg callback to its callback URL; ExamplePlugin answers "ping" with "pong"):
  curl -s ${json} -d '{"text":"ping"}' ${c}/message
  curl -s ${json} -d '{"kind":"image"}' ${c}/message       # or voice, video, file, emoji: the media downloads
Drop it offline (reconnectable or not) / back online:
  curl -s ${json} -d '{"appId":"wx_…","reconnectable":false}' ${c}/offline
  curl -s ${json} -d '{"appId":"wx_…"}' ${c}/online
Send any webhook (an official sample, or your own payload) to the URL registered by /tools/setCallback:
  curl -s ${c}/samples
  curl -s ${json} -d '{"token":"${token}","label":"文本消息","appid":"wx_…"}' ${c}/callback
  curl -s ${json} -d '{"url":"http://127.0.0.1:3000/webhook","payload":{"TypeName":"Offline","Appid":"wx_…"}}' ${c}/callback
Faults and logs:
  curl -s ${json} -d '{"path":"/login/checkOnline","mode":"ret500","times":1}' ${c}/fault
  curl -s -X DELETE ${c}/fault
  curl -s '${c}/sends?path=/message/'
  curl -s -X POST ${c}/reset

Ctrl-C stops it.
`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`\n${signal}: stopping`);
    fake.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
