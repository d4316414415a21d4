// A foreign JSON-RPC server for jrpc's client to talk to: Node's jayson over newline-delimited
// TCP and over HTTP. Usage: node jayson_server.js; prints "listening TCP_PORT HTTP_PORT".
'use strict';
const jayson = require('jayson');

const server = new jayson.Server({
  add: (args, callback) => callback(null, args[0] + args[1]),
  greet: (args, callback) => callback(null, `Hello, ${args.name}!`),
  fail: (args, callback) => callback({ code: 4242, message: 'refused on purpose', data: args }),
  record: (args, callback) => {
    server.recorded = (server.recorded || []).concat(args);
    callback();
  },
  recorded: (args, callback) => callback(null, server.recorded || []),
});

const tcp = server.tcp();
const http = server.http();
tcp.listen(0, '127.0.0.1', () => {
  http.listen(0, '127.0.0.1', () => {
    console.log(`listening ${tcp.address().port} ${http.address().port}`);
  });
});
