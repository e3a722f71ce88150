// Example RAG/API server: /health checks every dependency for real (Qdrant readiness and collections,
// Redis PING over RESP, Prometheus readiness). No npm dependencies, so it runs on any Node >= 18.
import http from 'node:http';
import net from 'node:net';

const QDRANT_URL = process.env.QDRANT_URL ?? 'http://qdrant:6333';
const PROMETHEUS_URL = process.env.PROMETHEUS_URL ?? 'http://prometheus:9090';
const [REDIS_HOST, REDIS_PORT] = (process.env.REDIS_ADDR ?? 'redis:6379').split(':');
const PORT = Number(process.env.PORT ?? 8080);
let healthChecks = 0;

async function httpOk(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res;
}

function redisPing() {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(REDIS_PORT ?? 6379), REDIS_HOST);
    socket.setTimeout(1500, () => socket.destroy(new Error('redis PING timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (buf) => {
      socket.end();
      const reply = buf.toString().trim();
      reply === '+PONG' ? resolve() : reject(new Error(`redis answered ${reply}`));
    });
  });
}

const checks = {
  qdrant: async () => {
    await httpOk(`${QDRANT_URL}/readyz`);
    const body = await (await httpOk(`${QDRANT_URL}/collections`)).json();
    if (!Array.isArray(body?.result?.collections)) throw new Error('qdrant /collections returned no list');
  },
  redis: redisPing,
  prometheus: () => httpOk(`${PROMETHEUS_URL}/-/ready`),
};

http
  .createServer(async (req, res) => {
    if (req.url === '/health') {
      healthChecks++;
      const results = await Promise.all(
        Object.entries(checks).map(async ([name, check]) => {
          try {
            await check();
            return [name, 'ok'];
          } catch (err) {
            return [name, String(err?.message ?? err)];
          }
        }),
      );
      const ok = results.every(([, r]) => r === 'ok');
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ status: ok ? 'ok' : 'degraded', checks: Object.fromEntries(results) }));
    }
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return res.end(`# TYPE rag_health_checks_total counter\nrag_health_checks_total ${healthChecks}\n`);
    }
    res.writeHead(404);
    res.end('not found');
  })
  .listen(PORT, '0.0.0.0', () => console.log(`rag-server listening on :${PORT}`));

process.on('SIGTERM', () => process.exit(0));
