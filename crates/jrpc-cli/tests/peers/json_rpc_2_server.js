// Node's json-rpc-2.0 serving the specification's section 7 methods over plain Node HTTP (the
// library is transport-agnostic: this is the HTTP glue its README shows), for `jrpc conform` to
// judge. Prints "listening HTTP_PORT".
'use strict';
const http = require('http');
const { JSONRPCServer } = require('json-rpc-2.0');

// The library throws asynchronously on some requests (`null`: it reads `request.method`); keep
// serving, so that request simply gets no answer and the verdicts show it.
process.on('uncaughtException', () => {});

const server = new JSONRPCServer();
server.addMethod('subtract', (p) => (Array.isArray(p) ? p[0] - p[1] : p.minuend - p.subtrahend));
server.addMethod('sum', (p) => p.reduce((a, b) => a + b, 0));
server.addMethod('update', () => null);
server.addMethod('notify_hello', () => null);
server.addMethod('notify_sum', () => null);
server.addMethod('get_data', () => ['hello', 5]);

const listener = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    let request;
    try {
      request = JSON.parse(body);
    } catch (e) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null }));
      return;
    }
    // The library throws on some requests (a JSON value that is not an object): answer 500, as
    // a Node web framework would, so the server lives on and the verdicts show it.
    const failed = () => { res.writeHead(500); res.end(); };
    let replying;
    try {
      replying = server.receive(request);
    } catch (e) {
      failed();
      return;
    }
    replying.catch(failed);
    replying.then((reply) => {
      if (reply) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(reply));
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
});
listener.listen(0, '127.0.0.1', () => console.log(`listening ${listener.address().port}`));
