export { Listener, DEFAULT_MAX_IN_FLIGHT_REQUESTS, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_WRITE_BUFFER_BYTES } from './listener.ts';
export type { ListenerOptions } from './listener.ts';
export { Connection, CloseConnectionError } from './connection.ts';
export type { ConnectionContext, ConnectionOptions, RequestHandler } from './connection.ts';
