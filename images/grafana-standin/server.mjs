// STAND-IN for Grafana (see Dockerfile): /api/health with the same JSON shape as Grafana's.
import http from 'node:http';

const database = process.env.STANDIN_DATABASE ?? 'ok';
http
  .createServer((req, res) => {
    if (req.url === '/api/health') {
      res.writeHead(database === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ commit: 'stand-in', database, version: '11.3.0' }));
    }
    res.writeHead(404);
    res.end('not found in the Grafana stand-in');
  })
  .listen(3000, '0.0.0.0');

process.on('SIGTERM', () => process.exit(0));
