import express, { type ErrorRequestHandler } from 'express';

/** The demo's HTTP app. The scheduler, dialer and history routes arrive with their packages. */
export function createApp() {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use((req, res) => {
    res
      .status(404)
      .json({ error: { code: 'not_found', message: `No route for ${req.method} ${req.path}` } });
  });
  const onError: ErrorRequestHandler = (
    error: { status?: number; message?: string },
    _req,
    res,
    _next,
  ) => {
    const status =
      typeof error.status === 'number' && error.status >= 400 && error.status < 500
        ? error.status
        : 500;
    res.status(status).json({
      error: {
        code: status === 500 ? 'internal' : 'bad_request',
        message: status === 500 ? 'Internal error' : error.message,
      },
    });
  };
  app.use(onError);
  return app;
}
