// The container's HEALTHCHECK: exit 0 when the server on this host answers GET /-/health with 200.
// Plain HTTP unless COFFER_TLS_CERT is set; over TLS the certificate is not checked (it is a liveness
// probe on the loopback address, not a client that must trust the server). Port from COFFER_ADDRESS.
import http from 'node:http';
import https from 'node:https';

const port = (process.env.COFFER_ADDRESS || '0.0.0.0:9000').split(':').pop() || '9000';
const tls = Boolean(process.env.COFFER_TLS_CERT);
const get = tls ? https.get : http.get;
const req = get({ host: '127.0.0.1', port, path: '/-/health', timeout: 4000, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (err) => {
  process.stderr.write(`health check failed: ${err.message}\n`);
  process.exit(1);
});
