// Node's jayson serving the specification's section 7 methods over HTTP and newline-delimited TCP,
// for `jrpc conform` to judge. Prints "listening HTTP_PORT TCP_PORT".
'use strict';
const jayson = require('jayson');

const methods = {
  subtract: (args, callback) => Array.isArray(args)
    ? callback(null, args[0] - args[1])
    : callback(null, args.minuend - args.subtrahend),
  sum: (args, callback) => callback(null, args.reduce((a, b) => a + b, 0)),
  update: (args, callback) => callback(),
  notify_hello: (args, callback) => callback(),
  notify_sum: (args, callback) => callback(),
  get_data: (args, callback) => callback(null, ['hello', 5]),
};
const server = new jayson.Server(methods);
const http = server.http();
const tcp = server.tcp();
http.listen(0, '127.0.0.1', () => {
  tcp.listen(0, '127.0.0.1', () => {
    console.log(`listening ${http.address().port} ${tcp.address().port}`);
  });
});
