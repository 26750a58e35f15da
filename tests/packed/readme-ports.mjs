// Loaded with `node --import` before each README block (readme.mjs): a request for one of the
// default Call API addresses (http://localhost:5000, :4830) goes to the simulator that stands in
// for it, listening on a free port, whether it goes through `fetch` or through `http.request`
// (the clients' default transport). The block's own code is run unchanged.
import http from 'node:http';
import { urlToHttpOptions } from 'node:url';

const stand = JSON.parse(process.env.RINGKIT_README_SIMULATORS ?? '{}');
const send = globalThis.fetch;

globalThis.fetch = async function fetch(input, init) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const target = stand[url.origin];
  if (!target) return send(input, init);
  const moved = new URL(url.pathname + url.search, target).href;
  if (!(input instanceof Request)) return send(moved, init);
  const body = ['GET', 'HEAD'].includes(input.method) ? undefined : await input.arrayBuffer();
  return send(
    new Request(moved, {
      method: input.method,
      headers: input.headers,
      body,
      signal: input.signal,
      redirect: input.redirect,
    }),
    init,
  );
};

const httpRequest = http.request;

/** `http.request(options[, callback])` and `http.request(url[, options][, callback])`. */
http.request = function request(...args) {
  const [first] = args;
  const fromUrl = typeof first === 'string' || first instanceof URL;
  const options = fromUrl
    ? { ...urlToHttpOptions(new URL(first)), ...(typeof args[1] === 'object' ? args[1] : {}) }
    : { ...first };
  const host = options.hostname ?? options.host ?? 'localhost';
  const origin = `${options.protocol ?? 'http:'}//${host}${options.port ? `:${options.port}` : ''}`;
  const target = stand[origin];
  if (!target) return httpRequest.apply(this, args);
  const moved = new URL(target);
  const callback = args.find((arg) => typeof arg === 'function');
  return httpRequest.call(
    this,
    {
      ...options,
      protocol: moved.protocol,
      hostname: moved.hostname,
      host: undefined,
      port: moved.port,
    },
    callback,
  );
};
