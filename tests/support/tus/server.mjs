// The secure space ("Sharebox") of the database transfer, for the tests: the
// official tus server (@tus/server with @tus/file-store), over HTTPS with the
// certificate a test made, on a free port of 127.0.0.1. Started by
// tests/support/tus.rs; it prints its port on its first line once it accepts
// connections, and stops when its standard input closes (the test ended, even
// by a crash).
//
//   node server.mjs --dir DOSSIER --cert CERT.pem --key CLE.pem
//                   [--allow-from 127.0.0.2] [--port N]
//
// Two settings of the deployment are made here, around the library:
// - `X-HTTP-Method-Override`: PROTOCOL.md has clients whose proxy refuses PATCH
//   send `POST` with this header; @tus/server 1.x honoured it itself, 2.x
//   leaves it to the front end, which is this file.
// - `--allow-from ADDRESS`: a firewall that lets only one source address in
//   (the proxy's, which tinyproxy binds with its `Bind` setting); every other
//   connection is cut as soon as it is accepted, as an association's network
//   that allows no direct connection to the Internet.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const directory = option('dir');
const cert = option('cert');
const key = option('key');
if (!directory || !cert || !key) {
  console.error('usage: node server.mjs --dir DOSSIER --cert CERT.pem --key CLE.pem');
  process.exit(2);
}
const allowFrom = option('allow-from', '');
const port = Number(option('port', '0'));

const tus = new Server({
  path: '/files',
  datastore: new FileStore({ directory }),
  // Locations as absolute https:// addresses of this server (the library
  // would write http:// when it does not sit behind a front end).
  generateUrl: (_req, { host, path, id }) => `https://${host}${path}/${id}`,
});

const server = https.createServer(
  { key: readFileSync(key), cert: readFileSync(cert) },
  (req, res) => {
    const override = req.headers['x-http-method-override'];
    if (req.method === 'POST' && typeof override === 'string' && override.trim() !== '') {
      req.method = override.trim().toUpperCase();
    }
    tus.handle(req, res);
  },
);

if (allowFrom) {
  // The check is on the TCP connection, before any TLS: a refused client
  // never gets an answer.
  server.on('connection', (socket) => {
    const from = (socket.remoteAddress || '').replace(/^::ffff:/, '');
    if (from !== allowFrom) {
      socket.destroy();
    }
  });
}

// Uploads are long requests: no time limit of Node's own may cut them.
server.requestTimeout = 0;
server.headersTimeout = 60_000;

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
