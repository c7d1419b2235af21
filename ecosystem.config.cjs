// pm2 (https://pm2.keymetrics.io): the webhook and worker roles as two processes, one core each — docs/OPERATIONS.md,
// "Two processes". Needs what split roles need: queue.queue_type = "advanced" and Redis, set in
// config/main_config.toml; both processes open the same database (the SQLite file, which advanced mode lets instances
// share, or MySQL). After `npm ci && npm run build`, on a database that was never migrated, the webhook first (it runs
// the migrations; two processes migrating at once would collide):
//   npx pm2 start ecosystem.config.cjs --only opengewe-webhook   # once, until /api/health answers
//   npx pm2 start ecosystem.config.cjs && npx pm2 save
// The webhook process listens on backend.port (Gewe's callbacks, the console, the API); the worker processes the
// callbacks and serves the API too, on 127.0.0.1:5434 only.
const common = {
  script: 'dist/src/main.js',
  cwd: __dirname,
  // the heap cap the service is deployed with (docs/OPERATIONS.md, Memory)
  node_args: '--max-old-space-size=512',
  autorestart: true,
  kill_timeout: 15000, // SIGTERM lets the jobs in flight finish before pm2 kills the process
};

module.exports = {
  apps: [
    {
      ...common,
      name: 'opengewe-webhook',
      // a young generation of 2 × 32 MB instead of the 16 MB V8 gives a 512 MB heap: under a burst, the requests in
      // flight are no longer promoted and collected as old objects (docs/OPERATIONS.md, Memory; bench/RESULTS.md)
      node_args: `${common.node_args} --max-semi-space-size=32`,
      env: { NODE_ENV: 'production', OPENGEWE__BACKEND__ROLE: 'webhook' },
    },
    {
      ...common,
      name: 'opengewe-worker',
      env: {
        NODE_ENV: 'production',
        OPENGEWE__BACKEND__ROLE: 'worker',
        OPENGEWE__BACKEND__HOST: '127.0.0.1',
        OPENGEWE__BACKEND__PORT: '5434',
      },
    },
  ],
};
