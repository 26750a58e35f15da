// Loaded with `node --import` before each README block (readme.mjs): a request for one of the
// default Call API addresses (http://localhost:5000, :4830) goes to the simulator that stands in
// for it, listening on a free port. The block's own code is run unchanged.
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
