// Public surface of the HTTP API.
export { startApi, type RunningApi } from './server.ts';
export {
  ApiConfigError,
  DEFAULT_HOST,
  DEFAULT_PORT,
  MIN_TOKEN_LENGTH,
  isLoopback,
  type ApiOptions,
} from './options.ts';
