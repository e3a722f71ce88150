// STAND-IN for Qdrant (see Dockerfile): answers the same endpoints with the same JSON shapes.
import http from 'node:http';

const collections = new Map();
const readyAfterMs = Number(process.env.STANDIN_READY_AFTER_MS ?? 0);
const startedAt = Date.now();
const json = (res, status, result) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ result, status: status < 400 ? 'ok' : { error: String(result) }, time: 0.0001 }));
};

http
  .createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ready = Date.now() - startedAt >= readyAfterMs;
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ title: 'qdrant - vector search engine (stand-in)', version: '1.16.0' }));
    }
    if (url.pathname === '/readyz') {
      res.writeHead(ready ? 200 : 503);
      return res.end(ready ? 'all shards are ready' : 'some shards are not ready');
    }
    if (url.pathname === '/healthz' || url.pathname === '/livez') {
      res.writeHead(200);
      return res.end('healthz check passed');
    }
    if (url.pathname === '/collections' && req.method === 'GET') {
      return json(res, 200, { collections: [...collections.keys()].map((name) => ({ name })) });
    }
    const m = /^\/collections\/([^/]+)$/.exec(url.pathname);
    if (m && req.method === 'PUT') {
      collections.set(m[1], {});
      return json(res, 200, true);
    }
    if (m && req.method === 'GET') {
      return collections.has(m[1]) ? json(res, 200, { status: 'green', points_count: 0 }) : json(res, 404, 'Not found');
    }
    json(res, 404, `no such endpoint in the stand-in: ${req.method} ${url.pathname}`);
  })
  .listen(6333, '0.0.0.0');

process.on('SIGTERM', () => process.exit(0));
